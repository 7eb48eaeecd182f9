package kube

import (
	"fmt"
	"io"
	"strings"

	"github.com/conductorone/baton-setup/internal/render"
)

// Print tells the user what changed and what to do next. Secret values
// never reach it: Shown and the diffs mask them.
func Print(w io.Writer, res Result) {
	if res.DryRun {
		fmt.Fprintln(w, "dry run: nothing is written")
	}
	render.PrintChanges(w, res.Changes, res.Shown, res.DryRun)
	if res.Schedule != nil {
		res.Schedule.Print(w)
	}
	fmt.Fprintf(w, "connector image: %s\n", res.ConnectorImage)
	if res.UploaderImage != "" {
		fmt.Fprintf(w, "upload image: %s (build it with the Dockerfile in the baton-setup source; see README.txt)\n", res.UploaderImage)
	}
	if res.RolePlaceholder {
		fmt.Fprintf(w, "before applying, replace %s in serviceaccount.yaml with the ARN of the IAM role the upload uses\n", RolePlaceholder)
	}
	fmt.Fprintln(w, "apply with:")
	render.Indent(w, strings.Join(res.ApplyCommands, "\n"))
	if res.Key != "" {
		fmt.Fprintf(w, "in ConductorOne, set the S3 data source's File name to exactly: %s\n", res.Key)
	}
}
