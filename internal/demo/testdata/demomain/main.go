// Command demomain runs only the demo connector, so the demo package's tests
// do not depend on the real baton-setup main package.
package main

import (
	"os"

	"github.com/conductorone/baton-setup/internal/demo"
)

func main() {
	if demo.Routed() {
		demo.Main()
		return
	}
	os.Exit(2)
}
