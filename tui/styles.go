package tui

import (
	"github.com/charmbracelet/huh"
	"github.com/charmbracelet/lipgloss"
)

// Styles are every style the wizard uses, built once when it starts.
type Styles struct {
	Header lipgloss.Style
	Muted  lipgloss.Style
	Help   lipgloss.Style
	Good   lipgloss.Style
	Bad    lipgloss.Style
	Warn   lipgloss.Style
	Label  lipgloss.Style
	Box    lipgloss.Style
	Theme  *huh.Theme
}

// NewStyles builds the wizard's styles for a dark or light terminal.
func NewStyles(isDark bool) Styles {
	accent := lipgloss.Color("#5A56E0")
	muted := lipgloss.Color("#6B6B6B")
	if isDark {
		accent = lipgloss.Color("#9F9CFF")
		muted = lipgloss.Color("#A0A0A0")
	}
	return Styles{
		Header: lipgloss.NewStyle().Bold(true).Foreground(accent),
		Muted:  lipgloss.NewStyle().Foreground(muted),
		Help:   lipgloss.NewStyle().Foreground(muted),
		Good:   lipgloss.NewStyle().Foreground(lipgloss.AdaptiveColor{Light: "#1A7F37", Dark: "#3FB950"}),
		Bad:    lipgloss.NewStyle().Foreground(lipgloss.AdaptiveColor{Light: "#CF222E", Dark: "#F85149"}),
		Warn:   lipgloss.NewStyle().Foreground(lipgloss.AdaptiveColor{Light: "#9A6700", Dark: "#D29922"}),
		Label:  lipgloss.NewStyle().Bold(true),
		Box:    lipgloss.NewStyle().Border(lipgloss.NormalBorder()).BorderForeground(muted).Padding(0, 1),
		Theme:  huh.ThemeCharm(),
	}
}
