package lazyre

import "testing"

func TestNewCompilesOnce(t *testing.T) {
	re := New(`^a+$`)
	first := re()
	if first != re() {
		t.Error("compiled twice")
	}
	if !first.MatchString("aaa") || first.MatchString("ab") {
		t.Error("wrong pattern")
	}
}

func TestNewPanicsOnFirstUse(t *testing.T) {
	re := New(`(`) // invalid, but harmless until used
	defer func() {
		if recover() == nil {
			t.Error("an invalid pattern did not panic")
		}
	}()
	re()
}
