package catalog

import (
	"fmt"
	"math"
	"strconv"
)

// ConsumerParams reads a consumer fault's params: which consumers it hits,
// by index (which: 2, or which: [0, 3]), or how many, chosen at random
// among those still running (count: N, default 1). It returns the count
// and the indexes (nil unless which), or the key at fault and why.
func ConsumerParams(params map[string]any, consumers int) (count int, which []int, key, msg string) {
	if consumers < 1 {
		return 0, nil, "", "the workload has no consumers (workload.consumers is 0)"
	}
	for k := range params {
		if k != "count" && k != "which" {
			return 0, nil, k, fmt.Sprintf("unknown parameter %s: consumer faults take count (how many) or which (consumer indexes from 0)", k)
		}
	}
	cv, hasCount := params["count"]
	wv, hasWhich := params["which"]
	if hasCount && hasWhich {
		return 0, nil, "which", "give count or which, not both"
	}
	if hasWhich {
		list, ok := wv.([]any)
		if !ok {
			list = []any{wv}
		}
		if len(list) == 0 {
			return 0, nil, "which", "which needs at least one consumer index"
		}
		seen := map[int]bool{}
		for _, v := range list {
			i, ok := wholeNumber(v)
			if !ok || i < 0 || i >= consumers {
				return 0, nil, "which", fmt.Sprintf("which takes consumer indexes 0 to %d (workload.consumers is %d), got %v", consumers-1, consumers, v)
			}
			if seen[i] {
				return 0, nil, "which", fmt.Sprintf("consumer %d is listed twice", i)
			}
			seen[i] = true
			which = append(which, i)
		}
		return len(which), which, "", ""
	}
	if !hasCount {
		return 1, nil, "", ""
	}
	n, ok := wholeNumber(cv)
	if !ok || n < 1 || n > consumers {
		return 0, nil, "count", fmt.Sprintf("count must be 1 to %d (workload.consumers), got %v", consumers, cv)
	}
	return n, nil, "", ""
}

// wholeNumber reads a YAML or --set value as a non-negative whole number.
func wholeNumber(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, true
	case int64:
		return int(x), x >= math.MinInt32 && x <= math.MaxInt32
	case uint64:
		return int(x), x <= math.MaxInt32
	case float64:
		return int(x), x == math.Trunc(x) && math.Abs(x) <= math.MaxInt32
	case string:
		n, err := strconv.Atoi(x)
		return n, err == nil
	}
	return 0, false
}
