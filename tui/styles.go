package tui

import (
	"github.com/charmbracelet/huh"
	"github.com/charmbracelet/lipgloss"
)

// Styles are every style the wizard uses, built once when it starts.
type Styles struct {
	Header  lipgloss.Style
	Muted   lipgloss.Style
	Help    lipgloss.Style
	HelpKey lipgloss.Style
	Good    lipgloss.Style
	Bad     lipgloss.Style
	Warn    lipgloss.Style
	Label   lipgloss.Style
	Dialog  lipgloss.Style
	Theme   *huh.Theme
}

// The palette: each colour in a light-background and a dark-background
// variant. NO_COLOR and terminals without colour get none of them, since
// lipgloss renders for the terminal's colour profile.
var (
	colorAccent = lipgloss.AdaptiveColor{Light: "#5A56E0", Dark: "#9F9CFF"}
	colorMuted  = lipgloss.AdaptiveColor{Light: "#6B6B6B", Dark: "#A0A0A0"}
	colorKey    = lipgloss.AdaptiveColor{Light: "#3C3C3C", Dark: "#D0D0D0"}
	colorGood   = lipgloss.AdaptiveColor{Light: "#1A7F37", Dark: "#3FB950"}
	colorBad    = lipgloss.AdaptiveColor{Light: "#CF222E", Dark: "#F85149"}
	colorWarn   = lipgloss.AdaptiveColor{Light: "#9A6700", Dark: "#D29922"}
)

// NewStyles builds the wizard's styles for a dark or light terminal. The
// App asks lipgloss once which one it is, so that every style agrees.
func NewStyles(isDark bool) Styles {
	c := func(a lipgloss.AdaptiveColor) lipgloss.Color {
		if isDark {
			return lipgloss.Color(a.Dark)
		}
		return lipgloss.Color(a.Light)
	}
	return Styles{
		Header:  lipgloss.NewStyle().Bold(true).Foreground(c(colorAccent)),
		Muted:   lipgloss.NewStyle().Foreground(c(colorMuted)),
		Help:    lipgloss.NewStyle().Foreground(c(colorMuted)),
		HelpKey: lipgloss.NewStyle().Foreground(c(colorKey)),
		Good:    lipgloss.NewStyle().Foreground(c(colorGood)),
		Bad:     lipgloss.NewStyle().Foreground(c(colorBad)),
		Warn:    lipgloss.NewStyle().Foreground(c(colorWarn)),
		Label:   lipgloss.NewStyle().Bold(true),
		Dialog:  lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(c(colorWarn)).Padding(0, 2),
		Theme:   huh.ThemeCharm(),
	}
}
