package loadgen

import "time"

// StartRedis is startRedis for the external tests.
var StartRedis = startRedis

// SmallRemainChunks makes Settle read 16 events per read, so that tests
// go through many chunks; it returns the undo. Not for parallel tests.
func SmallRemainChunks() (undo func()) {
	old := remainBytes
	remainBytes = 0
	return func() { remainBytes = old }
}

// KillConsumer is Generator.killConsumer for the external tests: consumer
// i of g crashes while handling its next event.
func KillConsumer(g *Generator, i int, restartAfter time.Duration) error {
	return g.killConsumer(i, restartAfter)
}
