// Package templates embeds the text/template files that baton-setup renders
// into a profile's directory. go:embed cannot reach parent directories, so
// the embedding lives next to the files.
package templates

import "embed"

// FS holds every *.tmpl file.
//
//go:embed *.tmpl
var FS embed.FS
