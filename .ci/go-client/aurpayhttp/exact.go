package aurpayhttp

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// DecimalNames are the member names whose number values are amounts: the
// properties the spec marks x-aurpay-decimal (the check compares this with
// the spec).
var DecimalNames = map[string]bool{
	"amount": true, "balance": true, "fee": true, "obtained": true, "refund_amount": true, "vs_price": true,
}

func isNumberStart(c byte) bool { return c == '-' || (c >= '0' && c <= '9') }
func isNumberChar(c byte) bool {
	return (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.' || c == 'e' || c == 'E'
}
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// QuoteDecimals applies the spec's "Exact amounts" rule: every number token
// with a fraction or an exponent, and every number that is the value of a
// member named in DecimalNames (whole numbers included), becomes a string
// of the same characters; strings, other numbers and the structure are
// copied. It returns the new text and the numbers it quoted. Not a
// validator: invalid JSON stays invalid.
func QuoteDecimals(data []byte) ([]byte, []string) {
	out := make([]byte, 0, len(data)+len(data)/8)
	var decimals []string
	// The last string token (a member name if ':' follows), and the name
	// whose value comes next.
	var lastString, member *string
	for i, n := 0, len(data); i < n; {
		c := data[i]
		switch {
		case c == '"':
			j := i + 1
			for j < n && data[j] != '"' {
				if data[j] == '\\' {
					j += 2
				} else {
					j++
				}
			}
			if j >= n { // unterminated: copied as it is
				out = append(out, data[i:]...)
				i = n
				continue
			}
			out = append(out, data[i:j+1]...)
			text := string(data[i+1 : j])
			lastString, member = &text, nil
			i = j + 1
		case isNumberStart(c):
			j := i + 1
			for j < n && isNumberChar(data[j]) {
				j++
			}
			token := string(data[i:j])
			if strings.ContainsAny(token, ".eE") || (member != nil && DecimalNames[*member]) {
				out = append(out, '"')
				out = append(out, token...)
				out = append(out, '"')
				decimals = append(decimals, token)
			} else {
				out = append(out, token...)
			}
			lastString, member = nil, nil
			i = j
		default:
			if c == ':' {
				member = lastString
			} else if !isSpace(c) {
				member = nil
			}
			if !isSpace(c) {
				lastString = nil
			}
			out = append(out, c)
			i++
		}
	}
	return out, decimals
}

// LastAnswer keeps the last JSON answer as it came, for checks that compare.
type LastAnswer struct {
	mu       sync.Mutex
	Original []byte
}

// Get returns the last answer's bytes.
func (l *LastAnswer) Get() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.Original
}

// ExactAmounts hands JSON answers on with their amounts quoted, so a client
// generated with --type-mappings=AnyType=string reads every amount as the
// string of digits Aurpay sent.
type ExactAmounts struct {
	// Next gets the answer (http.DefaultTransport when nil).
	Next http.RoundTripper
	// Last, when set, keeps each answer as it came.
	Last *LastAnswer
}

// RoundTrip implements http.RoundTripper.
func (e *ExactAmounts) RoundTrip(req *http.Request) (*http.Response, error) {
	next := e.Next
	if next == nil {
		next = http.DefaultTransport
	}
	resp, err := next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	media, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if media != "application/json" {
		return resp, nil
	}
	original, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if e.Last != nil {
		e.Last.mu.Lock()
		e.Last.Original = original
		e.Last.mu.Unlock()
	}
	quoted, _ := QuoteDecimals(original)
	resp.Body = io.NopCloser(bytes.NewReader(quoted))
	resp.ContentLength = int64(len(quoted))
	resp.Header.Set("Content-Length", strconv.Itoa(len(quoted)))
	return resp, nil
}
