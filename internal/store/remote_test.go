package store

import "testing"

func TestRedactURLs(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"nats://easy:s3cret@n1:4222", "nats://easy:xxxxx@n1:4222"},
		{"nats://t0ken@n1:4222,tls://u:p@n2:4222", "nats://xxxxx@n1:4222,tls://u:xxxxx@n2:4222"},
		{`dial "nats://easy:s3cret@n1:4222": refused`, `dial "nats://easy:xxxxx@n1:4222": refused`},
		{"nats://n1:4222", "nats://n1:4222"},
		{"nats: authorization violation", "nats: authorization violation"},
	} {
		if got := redactURLs(tt.in); got != tt.want {
			t.Errorf("redactURLs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
