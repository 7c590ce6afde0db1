package loadgen

import (
	"reflect"
	"sort"
	"testing"

	"github.com/squall-bench/squall/internal/catalog"
)

// TestPatternsMatchCatalog: loadgen implements exactly the catalog's
// patterns (which scenario validation accepts), and those the catalog says
// fan out give every consumer the whole stream.
func TestPatternsMatchCatalog(t *testing.T) {
	want := catalog.PatternNames()
	sort.Strings(want)
	if got := Patterns(); !reflect.DeepEqual(got, want) {
		t.Errorf("loadgen implements %v; the catalog lists %v", got, want)
	}
	for _, p := range catalog.Patterns() {
		b, err := buildPattern(p.Name, &Env{Keys: []string{"x"}, Producers: 1, Consumers: 3}, nil)
		if err != nil {
			t.Errorf("%s: %v", p.Name, err)
			continue
		}
		if fan := b.Groups(3) == 3; fan != p.FanOut {
			t.Errorf("%s: Groups(3) = %d; the catalog's FanOut is %v", p.Name, b.Groups(3), p.FanOut)
		}
	}
}
