package result

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestLeaf: scenario validation reads the metric registry, so result must
// not import any squall package but internal/units (scenarios would then
// depend on the load generator or the renderers).
func TestLeaf(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		ast, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(p, "github.com/squall-bench/squall/") && p != "github.com/squall-bench/squall/internal/units" {
				t.Errorf("%s imports %s", f, p)
			}
		}
	}
}
