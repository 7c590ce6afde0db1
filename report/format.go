package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/squall-bench/squall/result"
)

// Formats are the names Render accepts, in the order help text shows them.
var Formats = []string{"text", "md", "json", "html"}

// Render writes r in the named format (text, md, json or html); "" means
// text. html here has only r to draw from; HTMLFromDir adds the run
// directory's timelines and histograms.
func Render(w io.Writer, r *result.Result, format string) error {
	switch format {
	case "", "text":
		return Text(w, r)
	case "md":
		return Markdown(w, r)
	case "json":
		return result.JSON(w, r)
	case "html":
		return HTML(w, r, nil)
	}
	return fmt.Errorf("unknown format %q: valid formats are %s", format, strings.Join(Formats, ", "))
}
