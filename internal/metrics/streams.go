package metrics

import "time"

// IncStreamClients counts one more connected event stream client of kind
// StreamWS or StreamSSE. Pair every call with DecStreamClients when the
// client goes.
func (m *Metrics) IncStreamClients(kind string) { m.streamClients.WithLabelValues(kind).Inc() }

// DecStreamClients counts one connected event stream client of kind fewer.
func (m *Metrics) DecStreamClients(kind string) { m.streamClients.WithLabelValues(kind).Dec() }

// ObserveWebhookDelivery records one webhook delivery attempt: result is
// WebhookDelivered, WebhookRetrying or WebhookDead (the delivery's status in
// the API) and latency is how long the attempt took. Its signature fits a
// func(result string, latency time.Duration) hook.
func (m *Metrics) ObserveWebhookDelivery(result string, latency time.Duration) {
	m.webhookDeliveries.WithLabelValues(result).Inc()
	m.webhookSeconds.Observe(latency.Seconds())
}
