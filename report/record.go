package report

import "github.com/squall-bench/squall/record"

// The result model and the renderers name the measurement types of the
// record package, where the hot path makes them.
type (
	Kind   = record.Kind
	Second = record.Second
	Brief  = record.Brief
	Marker = record.Marker
)

// The recorded latency kinds (see record.Kind).
const (
	Publish   = record.Publish
	EndToEnd  = record.EndToEnd
	SendDelay = record.SendDelay
	Service   = record.Service
	NumKinds  = record.NumKinds
)
