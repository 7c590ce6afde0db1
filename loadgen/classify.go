package loadgen

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
	"github.com/squall-bench/squall/internal/resp"
)

// Class is a client-visible error class, counted in the result's "errors".
type Class int

// Error classes. A reply error means Redis refused the write (it was not
// applied); a timeout or a lost connection leaves its fate unknown.
const (
	ClassNone Class = iota
	ClassTimeout
	ClassConnection
	ClassReadOnly
	ClassMoved    // MOVED: the slot has a new owner (the cluster sender follows it)
	ClassAsk      // ASK: the key has moved with its migrating slot (followed with ASKING)
	ClassTryAgain // TRYAGAIN: a multi-key command while its slot migrates
	// ClassUnblocked: a blocked read ended because its key went away
	// (MIGRATE moved it to another node, or it was deleted).
	ClassUnblocked
	ClassLoading
	ClassNoReplicas
	ClassClusterDown
	ClassOOM
	ClassBusy
	ClassMasterDown
	ClassUnderReplicated // WAIT confirmed fewer replicas than asked
	ClassOther
	numClasses
)

var classNames = [numClasses]string{"", "timeout", "connection", "readonly", "moved", "ask", "tryagain", "unblocked", "loading",
	"noreplicas", "clusterdown", "oom", "busy", "masterdown", "under_replicated", "other"}

func (c Class) String() string { return classNames[c] }

// Fate is what an error says about whether a write happened.
type Fate int

// Fates of one write.
const (
	Acked         Fate = iota // Redis replied OK
	Failed                    // Redis replied an error, or the command never left the client
	Indeterminate             // sent, no reply: may or may not be written
)

// Classify maps an error from go-redis to its class and the write's fate.
func Classify(err error) (Class, Fate) {
	if err == nil || err == redis.Nil {
		return ClassNone, Acked
	}
	var rerr redis.Error
	if errors.As(err, &rerr) {
		msg := rerr.Error()
		switch {
		case strings.HasPrefix(msg, "READONLY"):
			return ClassReadOnly, Failed
		case strings.HasPrefix(msg, "MOVED"):
			return ClassMoved, Failed
		case strings.HasPrefix(msg, "ASK"):
			return ClassAsk, Failed
		case strings.HasPrefix(msg, "TRYAGAIN"):
			return ClassTryAgain, Failed
		case strings.HasPrefix(msg, "UNBLOCKED"):
			return ClassUnblocked, Failed
		case strings.HasPrefix(msg, "LOADING"):
			return ClassLoading, Failed
		case strings.HasPrefix(msg, "NOREPLICAS"):
			return ClassNoReplicas, Failed
		case strings.HasPrefix(msg, "CLUSTERDOWN"):
			return ClassClusterDown, Failed
		case strings.HasPrefix(msg, "OOM"):
			return ClassOOM, Failed
		case strings.HasPrefix(msg, "BUSY"):
			return ClassBusy, Failed
		case strings.HasPrefix(msg, "MASTERDOWN"):
			return ClassMasterDown, Failed
		}
		if !isNetworkish(err) {
			return ClassOther, Failed
		}
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return ClassConnection, Failed // never reached the server
	}
	if errors.Is(err, redis.ErrPoolTimeout) || errors.Is(err, redis.ErrClosed) {
		return ClassConnection, Failed
	}
	var nerr net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) ||
		(errors.As(err, &nerr) && nerr.Timeout()) {
		return ClassTimeout, Indeterminate
	}
	return ClassConnection, Indeterminate
}

// isNetworkish reports errors that satisfy redis.Error but are I/O failures.
func isNetworkish(err error) bool {
	var nerr net.Error
	return errors.As(err, &nerr)
}

// ClassCounts counts errors by class for one worker.
type ClassCounts [numClasses]int64

// add counts one error; atomically, because fault monitors read the
// counts while the worker runs (see Generator.Errors).
func (c *ClassCounts) add(cl Class) { atomic.AddInt64(&c[cl], 1) }

// addRedirects counts the redirects a cluster sender followed: each MOVED
// or ASK reply counts once, whether the command then succeeded or not.
func (c *ClassCounts) addRedirects(r resp.Redirects) {
	if r.Moved > 0 {
		atomic.AddInt64(&c[ClassMoved], r.Moved)
	}
	if r.Ask > 0 {
		atomic.AddInt64(&c[ClassAsk], r.Ask)
	}
}

// Map returns the non-zero counts by class name.
func (c *ClassCounts) Map() map[string]int64 {
	m := map[string]int64{}
	for i, n := range c {
		if n > 0 && Class(i) != ClassNone {
			m[Class(i).String()] = n
		}
	}
	return m
}
