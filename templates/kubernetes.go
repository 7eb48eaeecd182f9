package templates

import "embed"

// Kubernetes holds the kubernetes/*.tmpl files that `baton-setup generate
// --target kubernetes` renders: the manifests and their README.
//
//go:embed kubernetes/*.tmpl
var Kubernetes embed.FS
