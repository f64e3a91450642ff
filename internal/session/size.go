package session

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// ByteSize is a number of bytes that reads and writes JSON as a size string
// ("300MB", "1.5GB", "512MiB") and also accepts a plain number of bytes.
type ByteSize int64

var sizeUnits = []struct {
	suffix string
	mult   float64
}{
	{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1},
}

// ParseSize parses "300MB", "1.5GB", "512MiB", "2G" or a plain number of bytes.
func ParseSize(s string) (ByteSize, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := 1.0
	for _, u := range sizeUnits {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f < 0 || math.IsInf(f*mult, 0) || f*mult > math.MaxInt64/2 {
		return 0, fmt.Errorf("%q is not a size (use e.g. 300MB, 1.5GB or a number of bytes)", s)
	}
	return ByteSize(f * mult), nil
}

// String formats the size in MB (decimal) when it is a whole number of them.
func (b ByteSize) String() string {
	if b > 0 && b%1e6 == 0 {
		return strconv.FormatInt(int64(b)/1e6, 10) + "MB"
	}
	return strconv.FormatInt(int64(b), 10)
}

// Set implements flag.Value.
func (b *ByteSize) Set(s string) error {
	v, err := ParseSize(s)
	if err != nil {
		return err
	}
	*b = v
	return nil
}

// JSONKind says what a ByteSize field accepts (jsonbody.Kind).
func (ByteSize) JSONKind() string { return `a size such as "300MB" or a number of bytes` }

// Get implements flag.Getter: the number of bytes.
func (b *ByteSize) Get() any { return int64(*b) }

// MarshalJSON implements json.Marshaler.
func (b ByteSize) MarshalJSON() ([]byte, error) { return json.Marshal(int64(b)) }

// UnmarshalJSON implements json.Unmarshaler.
func (b *ByteSize) UnmarshalJSON(data []byte) error {
	var n int64
	if err := json.Unmarshal(data, &n); err == nil && n >= 0 {
		*b = ByteSize(n)
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err == nil {
		if v, err := ParseSize(s); err == nil {
			*b = v
			return nil
		}
	}
	return &json.UnmarshalTypeError{Value: string(data), Type: reflect.TypeFor[ByteSize]()}
}
