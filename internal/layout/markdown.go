package layout

import "strings"

// MDIcon is a pass or a failure as an icon.
func MDIcon(pass bool) string {
	if pass {
		return "✅"
	}
	return "❌"
}

// MDTable writes rows (the first is the header) as a GFM table; align has
// one letter per column: l, r or c.
func MDTable(rows [][]string, align string) []string {
	var out []string
	for i, row := range rows {
		out = append(out, "| "+strings.Join(row, " | ")+" |")
		if i == 0 {
			seps := make([]string, len(row))
			for j := range row {
				switch align[j] {
				case 'r':
					seps[j] = "--:"
				case 'c':
					seps[j] = ":-:"
				default:
					seps[j] = ":--"
				}
			}
			out = append(out, "|"+strings.Join(seps, "|")+"|")
		}
	}
	return out
}

// mdEscaper neutralises the characters that would start Markdown syntax
// or end a table cell inside text taken from the result.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "|", `\|`, "*", `\*`, "_", `\_`, "`", "\\`",
	"<", "&lt;", ">", "&gt;", "[", `\[`, "]", `\]`, "\n", " ", "\r", " ",
)

// MDText escapes s for Markdown text and table cells.
func MDText(s string) string { return mdEscaper.Replace(s) }

// MDAll is MDText of each of ss.
func MDAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = MDText(s)
	}
	return out
}

// MDCode makes s safe inside a single-backtick code span.
func MDCode(s string) string {
	return strings.NewReplacer("`", "'", "\n", " ", "|", `\|`).Replace(s)
}
