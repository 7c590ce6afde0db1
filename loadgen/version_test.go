package loadgen

import "testing"

func TestVersionAtLeast(t *testing.T) {
	for _, tc := range []struct {
		v    string
		want bool
	}{{"7.0.15", true}, {"7.2.4", true}, {"10.0.0", true}, {"6.2.14", false}, {"6", false}, {"", false}, {"x.y", false}} {
		if got := versionAtLeast(tc.v, 7, 0); got != tc.want {
			t.Errorf("versionAtLeast(%q, 7, 0) = %v", tc.v, got)
		}
	}
}

func TestEventKeyHoldsTheID(t *testing.T) {
	e := Envelope{Producer: 3, Seq: 12345}
	k := eventKey("p:{string:1}", &e)
	if k != "p:{string:1}:event:3-12345" {
		t.Fatalf("eventKey = %q", k)
	}
}
