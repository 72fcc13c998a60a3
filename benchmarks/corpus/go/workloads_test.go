// The corpus workloads under `go test -bench` (run by make.py).
//
// Each workload repeats a small unit of work round(100 * (1 + effect)) times, the effect
// read from CORPUS_EFFECTS (a JSON object workload -> relative effect), as in workloads.py.
package corpus

import (
	"encoding/json"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
)

var sink int

func effects() map[string]float64 {
	out := map[string]float64{}
	if raw := os.Getenv("CORPUS_EFFECTS"); raw != "" {
		_ = json.Unmarshal([]byte(raw), &out)
	}
	return out
}

var floats = func() []float64 {
	out := make([]float64, 2000)
	for i := range out {
		out[i] = float64((i*7919)%1009) / 7.0
	}
	return out
}()

var units = []struct {
	name string
	unit func() int
}{
	{"sum_squares", func() int {
		s := 0
		for i := 0; i < 5000; i++ {
			s += i * i
		}
		return s
	}},
	{"sort_floats", func() int {
		c := append([]float64(nil), floats...)
		sort.Float64s(c)
		return len(c)
	}},
	{"build_dict", func() int {
		m := make(map[string]int)
		for i := 0; i < 300; i++ {
			m[strconv.Itoa(i)] = i
		}
		return len(m)
	}},
	{"tuple_list", func() int {
		type pair struct{ a, b int }
		var l []pair
		for i := 0; i < 1000; i++ {
			l = append(l, pair{i, i + 1})
		}
		return len(l)
	}},
	{"join_strings", func() int {
		parts := make([]string, 0, 400)
		for i := 0; i < 400; i++ {
			parts = append(parts, strconv.Itoa(i))
		}
		return len(strings.Join(parts, ","))
	}},
	{"recursion", func() int { return fib(18) }},
	{"bytes_append", func() int {
		var out []byte
		for i := 0; i < 2000; i++ {
			out = append(out, byte(i), byte(i>>8))
		}
		return len(out)
	}},
	{"set_ops", func() int {
		a, b := map[int]bool{}, map[int]bool{}
		for i := 0; i < 600; i += 2 {
			a[i] = true
		}
		for i := 0; i < 600; i += 3 {
			b[i] = true
		}
		n := 0
		for k := range a {
			if b[k] {
				n++
			}
		}
		return n
	}},
}

func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

func BenchmarkWorkload(b *testing.B) {
	e := effects()
	for _, w := range units {
		w := w
		reps := int(math.Round(100 * (1 + e[w.name])))
		b.Run(w.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				for r := 0; r < reps; r++ {
					sink += w.unit()
				}
			}
		})
	}
}
