package layout

import "testing"

func TestWrap(t *testing.T) {
	got := Wrap("- ", []string{"aaaa", "bbbb", "cccc", "dddddddddddddd"}, " ", "  ", 12)
	want := []string{"- aaaa bbbb", "  cccc", "  dddddddddddddd"}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d: got %q, want %q", i, got[i], want[i])
		}
	}
}
