// metrics-check reads the Prometheus text exposition format on stdin and does what
// `promtool check metrics` does, with the same libraries: it parses the text with
// github.com/prometheus/common/expfmt (the parser Prometheus scrapes with) and lints it
// with client_golang's promlint (promtool's linter). Unlike promtool it also prints
// what it parsed, as JSON on stdout, so a test can assert on the series and their
// values as Prometheus reads them.
//
// Exit codes follow promtool: 0 clean, 1 the text does not parse, 3 lint problems.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

type sample struct {
	Labels  map[string]string `json:"labels"`
	Value   *float64          `json:"value,omitempty"`
	Count   *uint64           `json:"count,omitempty"`
	Sum     *float64          `json:"sum,omitempty"`
	Buckets map[string]uint64 `json:"buckets,omitempty"`
}

type family struct {
	Name    string   `json:"name"`
	Type    string   `json:"type"`
	Help    string   `json:"help"`
	Samples []sample `json:"samples"`
}

type problem struct {
	Metric string `json:"metric"`
	Text   string `json:"text"`
}

type report struct {
	Error    string    `json:"error,omitempty"`
	Families []family  `json:"families"`
	Problems []problem `json:"problems"`
}

// finite keeps JSON valid: NaN and infinities (legal in the text format) become nil.
func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func bound(v float64) string {
	if math.IsInf(v, 1) {
		return "+Inf"
	}
	return fmt.Sprintf("%g", v)
}

func convert(mf *dto.MetricFamily) family {
	f := family{Name: mf.GetName(), Type: mf.GetType().String(), Help: mf.GetHelp(), Samples: []sample{}}
	for _, m := range mf.GetMetric() {
		s := sample{Labels: map[string]string{}}
		for _, l := range m.GetLabel() {
			s.Labels[l.GetName()] = l.GetValue()
		}
		switch mf.GetType() {
		case dto.MetricType_COUNTER:
			s.Value = finite(m.GetCounter().GetValue())
		case dto.MetricType_GAUGE:
			s.Value = finite(m.GetGauge().GetValue())
		case dto.MetricType_UNTYPED:
			s.Value = finite(m.GetUntyped().GetValue())
		case dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM:
			h := m.GetHistogram()
			count := h.GetSampleCount()
			s.Count, s.Sum, s.Buckets = &count, finite(h.GetSampleSum()), map[string]uint64{}
			for _, b := range h.GetBucket() {
				s.Buckets[bound(b.GetUpperBound())] = b.GetCumulativeCount()
			}
		case dto.MetricType_SUMMARY:
			sm := m.GetSummary()
			count := sm.GetSampleCount()
			s.Count, s.Sum = &count, finite(sm.GetSampleSum())
		}
		f.Samples = append(f.Samples, s)
	}
	return f
}

func main() {
	out := json.NewEncoder(os.Stdout)
	r := report{Families: []family{}, Problems: []problem{}}
	input, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "reading stdin:", err)
		os.Exit(1)
	}
	var parser expfmt.TextParser
	parsed, err := parser.TextToMetricFamilies(bytes.NewReader(input))
	if err != nil {
		r.Error = err.Error()
		_ = out.Encode(r)
		fmt.Fprintln(os.Stderr, "error while parsing:", err)
		os.Exit(1)
	}
	names := make([]string, 0, len(parsed))
	for name := range parsed {
		names = append(names, name)
	}
	sort.Strings(names)
	mfs := make([]*dto.MetricFamily, 0, len(names))
	for _, name := range names {
		mfs = append(mfs, parsed[name])
		r.Families = append(r.Families, convert(parsed[name]))
	}
	problems, err := promlint.NewWithMetricFamilies(mfs).Lint()
	if err != nil {
		r.Error = err.Error()
		_ = out.Encode(r)
		fmt.Fprintln(os.Stderr, "error while linting:", err)
		os.Exit(1)
	}
	for _, p := range problems {
		r.Problems = append(r.Problems, problem{Metric: p.Metric, Text: p.Text})
		fmt.Fprintln(os.Stderr, p.Metric, p.Text)
	}
	_ = out.Encode(r)
	if len(problems) > 0 {
		os.Exit(3)
	}
}
