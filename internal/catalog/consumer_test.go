package catalog

import (
	"slices"
	"testing"
)

func TestConsumerParams(t *testing.T) {
	for _, tc := range []struct {
		name      string
		params    map[string]any
		consumers int
		count     int
		which     []int
		key       string // "" and msg "": valid
		bad       bool
	}{
		{"default one", nil, 3, 1, nil, "", false},
		{"count", map[string]any{"count": 2}, 3, 2, nil, "", false},
		{"count from --set", map[string]any{"count": "3"}, 3, 3, nil, "", false},
		{"which one", map[string]any{"which": 2}, 3, 1, []int{2}, "", false},
		{"which list", map[string]any{"which": []any{0, 2}}, 3, 2, []int{0, 2}, "", false},
		{"no consumers", nil, 0, 0, nil, "", true},
		{"count too many", map[string]any{"count": 4}, 3, 0, nil, "count", true},
		{"count zero", map[string]any{"count": 0}, 3, 0, nil, "count", true},
		{"count fraction", map[string]any{"count": 1.5}, 3, 0, nil, "count", true},
		{"which out of range", map[string]any{"which": []any{0, 3}}, 3, 0, nil, "which", true},
		{"which negative", map[string]any{"which": -1}, 3, 0, nil, "which", true},
		{"which twice", map[string]any{"which": []any{1, 1}}, 3, 0, nil, "which", true},
		{"which empty", map[string]any{"which": []any{}}, 3, 0, nil, "which", true},
		{"both", map[string]any{"which": 1, "count": 1}, 3, 0, nil, "which", true},
		{"unknown", map[string]any{"after": "1s"}, 3, 0, nil, "after", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			count, which, key, msg := ConsumerParams(tc.params, tc.consumers)
			if (msg != "") != tc.bad || key != tc.key {
				t.Fatalf("ConsumerParams = key %q msg %q, want key %q, bad %v", key, msg, tc.key, tc.bad)
			}
			if !tc.bad && (count != tc.count || !slices.Equal(which, tc.which)) {
				t.Errorf("ConsumerParams = %d %v, want %d %v", count, which, tc.count, tc.which)
			}
		})
	}
}
