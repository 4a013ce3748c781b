// Package aurpayhttp is what a Go team adds to a client generated from
// spec/aurpay.yaml by openapi-generator (-g go): the signer (the spec's
// Authentication section) and the exact-amounts reader (its "Exact
// amounts" section), both as http.RoundTrippers, and the callback
// verifier. Standard library only.
//
//	cfg := aurpay.NewConfiguration()
//	cfg.HTTPClient = &http.Client{Transport: &aurpayhttp.Signer{
//		Algorithm: "HMAC-SHA256", Secret: []byte(apiSecret),
//		Next: &aurpayhttp.ExactAmounts{Next: http.DefaultTransport},
//	}}
//	ctx := context.WithValue(ctx, aurpay.ContextAPIKeys,
//		map[string]aurpay.APIKey{"ApiSignature": {Key: apiToken}})
package aurpayhttp

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strings"
	"time"
)

// Hashes of the two documented algorithms.
var hashes = map[string]func() hash.Hash{
	"HMAC-SHA256":   sha256.New,
	"HMAC-SHA3_256": newSHA3_256,
}

// BodyMD5 is the lowercase hex MD5 of the body, or "" when there is none
// (or it is empty): then no Body-MD5 header and no last segment.
func BodyMD5(body []byte) string {
	if len(body) == 0 {
		return ""
	}
	sum := md5.Sum(body)
	return hex.EncodeToString(sum[:])
}

// StringToSign is "{Algorithm} | {Date} | {METHOD} {path?query} | {Body-MD5}",
// without the last segment when md5 is "".
func StringToSign(algorithm, date, method, pathAndQuery, md5 string) string {
	text := algorithm + " | " + date + " | " + strings.ToUpper(method) + " " + pathAndQuery
	if md5 == "" {
		return text
	}
	return text + " | " + md5
}

// Signature is Base64(HMAC(secret, message)) of the raw digest.
func Signature(algorithm string, secret []byte, message string) (string, error) {
	newHash, ok := hashes[algorithm]
	if !ok {
		return "", fmt.Errorf("aurpayhttp: unsupported algorithm %q", algorithm)
	}
	mac := hmac.New(newHash, secret)
	mac.Write([]byte(message))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}

// DateNow is the Date header for t: ISO-8601 UTC, whole seconds, Z (the
// docs' form; the text is signed as sent, so a fraction would do too).
func DateNow(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

// Signer signs each request as it is sent: Algorithm, Date, Body-MD5 and
// Signature over the exact body bytes and the path and query sent. The
// generated client sets API-Token (the ApiSignature key).
//
// The generated client stores header parameters under their spec spelling
// (req.Header["API-Token"]), which http.Header.Get, looking up the
// canonical "Api-Token", does not find: the signer rewrites every header
// name canonically first (HTTP header names are case-insensitive), and
// refuses to send a request without a token rather than send it unsigned.
type Signer struct {
	Algorithm string
	Secret    []byte
	// Next sends the signed request (http.DefaultTransport when nil).
	Next http.RoundTripper
	// Now is the signing clock (time.Now when nil).
	Now func() time.Time
}

// RoundTrip implements http.RoundTripper; the caller's request is not changed.
func (s *Signer) RoundTrip(req *http.Request) (*http.Response, error) {
	signed := req.Clone(req.Context())
	signed.Header = canonical(req.Header)
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		var err error
		body, err = io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
	}
	signed.Body = io.NopCloser(bytes.NewReader(body))
	signed.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	signed.ContentLength = int64(len(body))
	if signed.Header.Get("API-Token") == "" {
		return nil, errors.New("aurpayhttp: no API-Token header to sign with (set the ApiSignature key)")
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	date := DateNow(now())
	md5 := BodyMD5(body)
	signature, err := Signature(s.Algorithm, s.Secret, StringToSign(s.Algorithm, date, signed.Method, signed.URL.RequestURI(), md5))
	if err != nil {
		return nil, err
	}
	signed.Header.Set("Algorithm", s.Algorithm)
	signed.Header.Set("Date", date)
	signed.Header.Del("Body-MD5")
	if md5 != "" {
		signed.Header.Set("Body-MD5", md5)
	}
	signed.Header.Set("Signature", signature)
	next := s.Next
	if next == nil {
		next = http.DefaultTransport
	}
	return next.RoundTrip(signed)
}

// canonical copies h with every name in canonical form, merging names that
// differ only in case.
func canonical(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for name, values := range h {
		key := http.CanonicalHeaderKey(name)
		out[key] = append(out[key], values...)
	}
	return out
}

// Header returns the first value of name in h, whatever the case of the
// stored name.
func Header(h http.Header, name string) (string, bool) {
	for key, values := range h {
		if strings.EqualFold(key, name) && len(values) > 0 {
			return values[0], true
		}
	}
	return "", false
}

// VerifyCallback checks a callback's Callback-Token and Signature
// (Base64(HMAC-SHA256(secret, "{Date} | {url}"))) in constant time and its
// Date against now: valid, or the reason (missing, wrong_token,
// bad_signature, bad_date, stale, future). Date is ISO-8601 with or
// without a fraction of a second (2024-06-17T00:00:00Z and
// 2024-06-17T00:00:00.123Z are both seen). freshness is the caller's
// policy (Aurpay states none; this SDK uses 5 minutes).
func VerifyCallback(token string, secret []byte, now time.Time, freshness time.Duration, url string, headers http.Header) (bool, string) {
	gotToken, okToken := Header(headers, "Callback-Token")
	date, okDate := Header(headers, "Date")
	signature, okSignature := Header(headers, "Signature")
	if !okToken || !okDate || !okSignature {
		return false, "missing"
	}
	if !hmac.Equal([]byte(gotToken), []byte(token)) {
		return false, "wrong_token"
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(date + " | " + url))
	expected := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(signature), []byte(expected)) {
		return false, "bad_signature"
	}
	signedAt, err := time.Parse(time.RFC3339Nano, date)
	if err != nil {
		return false, "bad_date"
	}
	age := now.Sub(signedAt)
	if age > freshness {
		return false, "stale"
	}
	if -age > freshness {
		return false, "future"
	}
	return true, ""
}
