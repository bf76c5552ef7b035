package connector

import (
	"container/heap"
	"math/rand/v2"
	"sync"
	"time"
)

// pollQueue says when each pending intent is read next: a min-heap of due
// times, one entry per attempt, so that hundreds of pending intents cost one
// timer, not one goroutine each.
type pollQueue struct {
	mu    sync.Mutex
	items pollHeap
	index map[int64]*pollItem
	wake  chan struct{}
}

type pollItem struct {
	id  int64
	at  time.Time
	pos int
}

type pollHeap []*pollItem

func (h pollHeap) Len() int           { return len(h) }
func (h pollHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h pollHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i]; h[i].pos = i; h[j].pos = j }
func (h *pollHeap) Push(x any)        { it := x.(*pollItem); it.pos = len(*h); *h = append(*h, it) }
func (h *pollHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}

func newPollQueue() *pollQueue {
	return &pollQueue{index: map[int64]*pollItem{}, wake: make(chan struct{}, 1)}
}

// schedule sets when the attempt is read next (replacing any earlier plan).
func (q *pollQueue) schedule(id int64, at time.Time) {
	q.mu.Lock()
	if it, ok := q.index[id]; ok {
		it.at = at
		heap.Fix(&q.items, it.pos)
	} else {
		it := &pollItem{id: id, at: at}
		heap.Push(&q.items, it)
		q.index[id] = it
	}
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// popDue removes and returns the attempts due at now, and the time of the
// next one (zero when the queue is empty).
func (q *pollQueue) popDue(now time.Time) (due []int64, next time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) > 0 && !q.items[0].at.After(now) {
		it := heap.Pop(&q.items).(*pollItem)
		delete(q.index, it.id)
		due = append(due, it.id)
	}
	if len(q.items) > 0 {
		next = q.items[0].at
	}
	return due, next
}

// Len is how many attempts are waiting for a poll.
func (q *pollQueue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}

// pollDelay is the wait before the next read of a pending intent: between
// 90% and 100% of the interval, so that intents created together drift
// apart, and a charged card is never noticed later than one interval.
func pollDelay(interval time.Duration) time.Duration {
	spread := int64(interval) / 10
	if spread <= 0 {
		return interval
	}
	return interval - time.Duration(rand.Int64N(spread+1))
}

// jitter spreads d by ±10% so that retries that failed together are not
// sent together again.
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	spread := int64(d) / 5
	if spread <= 0 {
		return d
	}
	return d - time.Duration(spread/2) + time.Duration(rand.Int64N(spread+1))
}
