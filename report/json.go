package report

import "github.com/squall-bench/squall/result"

// WriteJSON writes r to path atomically: a temp file in the same directory
// is written, synced and renamed over path, so a reader (or a crash) never
// sees a half-written result.
func WriteJSON(path string, r *result.Result) error {
	b, err := result.Marshal(r)
	if err != nil {
		return err
	}
	return writeAtomic(path, b)
}
