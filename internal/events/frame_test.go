package events

import (
	"bytes"
	"testing"
)

// TestTextFrameLengths checks the three length encodings of RFC 6455 §5.2
// at their boundaries (the WebSocket tests exercise small and 32 KiB frames
// through a real client).
func TestTextFrameLengths(t *testing.T) {
	tests := []struct {
		n      int
		header []byte
	}{
		{0, []byte{0x81, 0}},
		{125, []byte{0x81, 125}},
		{126, []byte{0x81, 126, 0, 126}},
		{65535, []byte{0x81, 126, 0xff, 0xff}},
		{65536, []byte{0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0}},
	}
	for _, tt := range tests {
		payload := bytes.Repeat([]byte("x"), tt.n)
		f := appendTextFrame(nil, payload)
		if !bytes.Equal(f[:len(tt.header)], tt.header) || !bytes.Equal(f[len(tt.header):], payload) {
			t.Errorf("%d bytes: header % x, want % x", tt.n, f[:min(len(f), 10)], tt.header)
		}
	}
}
