package cli

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/conductorone/baton-setup/internal/discover"
	"github.com/conductorone/baton-setup/internal/iostreams"
	"github.com/conductorone/baton-setup/internal/schedule"
	"github.com/conductorone/baton-setup/internal/upload"
	"github.com/conductorone/baton-setup/internal/verify"
)

// Factory supplies every side effect a command may have.
type Factory struct {
	IO       *iostreams.IOStreams
	Discover discover.Env
	Getenv   func(string) string
	Environ  func() []string
	Now      func() time.Time
	// Getwd is where relative paths the user types are relative to.
	Getwd func() (string, error)
	// ConfigDir is the root of profile directories.
	ConfigDir func() (string, error)
	// DataDir is where a copy of a `go run` build is kept.
	DataDir func() (string, error)
	NewS3   func(ctx context.Context, opts upload.ClientOptions) (upload.API, error)
	Crontab schedule.Crontab
	// Account is the user scheduled runs run as, from the passwd database.
	Account func() (verify.Account, error)
	// RunWizard starts the interactive wizard; nil when there is no TUI.
	RunWizard func(ctx context.Context, f *Factory, opts *WizardOptions) error
}

// NewFactory wires the real machine.
func NewFactory() *Factory {
	return &Factory{
		IO:       iostreams.System(), // Depends on the process's terminal.
		Discover: discover.System(),  // Depends on PATH and the filesystem.
		Getenv:   os.Getenv,          // Depends on the environment.
		Environ:  os.Environ,         // Depends on the environment.
		Now:      time.Now,           // Depends on the clock.
		Getwd:    os.Getwd,           // Depends on the working directory.
		ConfigDir: func() (string, error) { // Depends on XDG_CONFIG_HOME / HOME.
			d, err := os.UserConfigDir()
			return filepath.Join(d, "baton-setup"), err
		},
		DataDir: func() (string, error) { // Depends on XDG_DATA_HOME / HOME.
			if d := os.Getenv("XDG_DATA_HOME"); d != "" {
				return filepath.Join(d, "baton-setup"), nil
			}
			home, err := os.UserHomeDir()
			return filepath.Join(home, ".local", "share", "baton-setup"), err
		},
		NewS3: func(ctx context.Context, opts upload.ClientOptions) (upload.API, error) { // Depends on AWS config.
			return upload.NewClient(ctx, opts)
		},
		Crontab: schedule.System{},     // Depends on the crontab command.
		Account: verify.CurrentAccount, // Depends on the passwd database.
	}
}
