package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// snapshotMetrics count the session data files written: each is a snapshot
// of a session's profile (or its legacy tokens) kept on disk and in the
// store, which a restore on any node starts from.
type snapshotMetrics struct {
	writes  *prometheus.CounterVec
	seconds prometheus.Histogram
	bytes   prometheus.Histogram
}

func newSnapshotMetrics() snapshotMetrics {
	return snapshotMetrics{
		writes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "easy_api_snapshot_writes_total",
			Help: "Session data files written (disk and snapshot store), by reason (linked, refreshed, stopped, export, import).",
		}, []string{"reason"}),
		seconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "easy_api_snapshot_write_seconds",
			Help:    "Seconds one session data file took to write: the profile's copy, the file on disk and the store's copy.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 12), // 10 ms … 20 s
		}),
		bytes: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "easy_api_snapshot_bytes",
			Help:    "Size in bytes of the session data files written.",
			Buckets: prometheus.ExponentialBuckets(16<<10, 4, 8), // 16 KiB … 256 MiB
		}),
	}
}

func (s snapshotMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{s.writes, s.seconds, s.bytes}
}

// ObserveSnapshot records one session data file written. Its signature fits
// session.ManagerConfig.OnSnapshot.
func (m *Metrics) ObserveSnapshot(_, reason string, size int64, took time.Duration) {
	m.snapshots.writes.WithLabelValues(reason).Inc()
	m.snapshots.seconds.Observe(took.Seconds())
	m.snapshots.bytes.Observe(float64(size))
}
