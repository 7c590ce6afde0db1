package scenarios

import (
	"fmt"
	"strings"

	"github.com/squall-bench/squall/internal/redisconf"
)

// textProblem says what is wrong with s as text a scenario holds at path,
// or "". Scenario text ends up in redis.conf, on the terminal, in file
// names and in reports, so it holds no control characters; a description
// alone may span lines (and hold tabs). Text under target.config gets
// redis.conf's rule and its reason.
func textProblem(path, s string) string {
	multiline := path == "description"
	for _, r := range s {
		if !redisconf.IsControl(r) || multiline && (r == '\n' || r == '\t') {
			continue
		}
		if strings.Contains(path, "target.config.") {
			return redisconf.CheckValue(s)
		}
		return fmt.Sprintf("text holds the control character %s; scenario text is printable (a description alone may span lines)", redisconf.Rune(r))
	}
	return ""
}

// keyProblem is textProblem for a mapping key.
func keyProblem(k string) string {
	for _, r := range k {
		if redisconf.IsControl(r) {
			return fmt.Sprintf("key %s holds the control character %s; a key is printable text", quote(k), redisconf.Rune(r))
		}
	}
	return ""
}
