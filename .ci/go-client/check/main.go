// Contract check from Go: a client generated from spec/aurpay.yaml by
// openapi-generator (-g go, with the options of .ci/go-client-check.sh),
// with the signer and the exact-amounts reader of aurpayhttp, against the
// sandbox (`sandbox_server --examples`). Nothing here names an operation:
// each is found on the generated API service of its tag, by its
// operationId, through reflection; its path parameters, query parameters
// and body come from the spec's examples.
//
// First the reader and the signer pass the shared vectors
// (spec/vectors/exact-amounts.json, spec/vectors/signing.json), and the
// reader's amount names are the spec's x-aurpay-decimal properties. Then
// every operation is called with the API key and with signatures: HTTP
// 200, code 0, the credentials sent as the scheme says, and every amount
// number of the answer's bytes (the spec's rule) read by the generated
// model as a string with the same characters. Then the sandbox reports an
// unknown status and a 27-digit amount, then a whole-number amount, for an
// example order (POST /__sandbox/report/{order_id}), and every read-only
// operation is called again.
//
//	go run . <spec.json> <signing.json> <exact-amounts.json> <base-url> <api-key> <api-token> <api-secret>
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"

	"aurpaycheck/aurpayhttp"

	aurpay "github.com/aurpay/aurpay-go"
)

const (
	unknownStatus = "CONFIRMING"
	longAmount    = "0.123456789012345678901234567"
	wholeAmount   = "12"
)

var passed, failed int

func report(name string, failure error) {
	if failure == nil {
		passed++
		fmt.Printf("ok   %s\n", name)
	} else {
		failed++
		fmt.Printf("FAIL %s: %v\n", name, failure)
	}
}

// ---------------------------------------------------------------- the spec

type document = map[string]interface{}

var spec document

func resolve(node interface{}) map[string]interface{} {
	for {
		m, ok := node.(map[string]interface{})
		if !ok {
			return nil
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		var at interface{} = spec
		for _, key := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			at = at.(map[string]interface{})[key]
		}
		node = at
	}
}

type operation struct {
	id, method, path, tag string
	op                    map[string]interface{}
	secured, movesMoney   bool
}

func operations() []operation {
	var out []operation
	paths := spec["paths"].(map[string]interface{})
	names := make([]string, 0, len(paths))
	for name := range paths {
		names = append(names, name)
	}
	sort.Strings(names)
	global, _ := spec["security"].([]interface{})
	for _, path := range names {
		item := paths[path].(map[string]interface{})
		for _, method := range []string{"get", "post", "put", "delete", "patch"} {
			op, ok := item[method].(map[string]interface{})
			if !ok {
				continue
			}
			security := global
			if own, ok := op["security"].([]interface{}); ok {
				security = own
			}
			moves, _ := op["x-aurpay-moves-money"].(bool)
			tags, _ := op["tags"].([]interface{})
			tag := ""
			if len(tags) > 0 {
				tag, _ = tags[0].(string)
			}
			out = append(out, operation{
				id: op["operationId"].(string), method: method, path: path, tag: tag, op: op,
				secured: len(security) > 0, movesMoney: moves,
			})
		}
	}
	return out
}

// decimalNames are the names of the properties whose schema is
// x-aurpay-decimal (directly or through allOf), read from the spec.
func decimalNames() map[string]bool {
	var isDecimal func(node interface{}) bool
	isDecimal = func(node interface{}) bool {
		schema := resolve(node)
		if schema == nil {
			return false
		}
		if flag, _ := schema["x-aurpay-decimal"].(bool); flag {
			return true
		}
		branches, _ := schema["allOf"].([]interface{})
		for _, branch := range branches {
			if isDecimal(branch) {
				return true
			}
		}
		return false
	}
	names := map[string]bool{}
	for _, schema := range spec["components"].(map[string]interface{})["schemas"].(map[string]interface{}) {
		properties, _ := resolve(schema)["properties"].(map[string]interface{})
		for name, property := range properties {
			if isDecimal(property) {
				names[name] = true
			}
		}
	}
	return names
}

func example(parameter map[string]interface{}) (interface{}, bool) {
	if value, ok := parameter["example"]; ok {
		return value, true
	}
	if schema := resolve(parameter["schema"]); schema != nil {
		value, ok := schema["example"]
		return value, ok
	}
	return nil, false
}

// -------------------------------------------------------- the transports

// recorder keeps the last request as sent (after the signer).
type recorder struct {
	mu   sync.Mutex
	last *http.Request
	next http.RoundTripper
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.last = req
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

type clients struct {
	apiKey, signed *aurpay.APIClient
	last           *aurpayhttp.LastAnswer
	sent           *recorder
	key, token     string
}

func newClients(baseURL, key, token, secret string) *clients {
	last := &aurpayhttp.LastAnswer{}
	// Bounded: a sandbox that stops answering fails the call, not the run.
	wire := &http.Transport{ResponseHeaderTimeout: 10 * time.Second}
	sent := &recorder{next: wire}
	exact := &aurpayhttp.ExactAmounts{Next: sent, Last: last}
	newClient := func(transport http.RoundTripper) *aurpay.APIClient {
		cfg := aurpay.NewConfiguration()
		cfg.Servers = aurpay.ServerConfigurations{{URL: baseURL}}
		cfg.HTTPClient = &http.Client{Transport: transport, Timeout: 15 * time.Second}
		return aurpay.NewAPIClient(cfg)
	}
	return &clients{
		apiKey: newClient(exact),
		// The signer sees the request after the generated client: it
		// signs the bytes and path actually sent.
		signed: newClient(&aurpayhttp.Signer{Algorithm: "HMAC-SHA256", Secret: []byte(secret), Next: exact}),
		last:   last, sent: sent, key: key, token: token,
	}
}

func pascal(snake string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(snake, func(r rune) bool { return r == '_' || r == ' ' || r == '-' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

// decode makes a value of type t from a JSON example (as a Go team would
// read a fixture): the generated models decode their own JSON.
func decode(t reflect.Type, value interface{}) (reflect.Value, error) {
	raw, err := json.Marshal(value)
	if err != nil {
		return reflect.Value{}, err
	}
	target := reflect.New(t)
	if err := json.Unmarshal(raw, target.Interface()); err != nil {
		return reflect.Value{}, fmt.Errorf("the example %s does not decode into %s: %w", raw, t, err)
	}
	return target.Elem(), nil
}

// call makes one operation through the generated client with the spec's
// example request and returns the generated result.
func (c *clients) call(op operation, scheme string) (interface{}, error) {
	client, ctx := c.apiKey, context.Background()
	if op.secured {
		if scheme == "signature" {
			client = c.signed
			ctx = context.WithValue(ctx, aurpay.ContextAPIKeys, map[string]aurpay.APIKey{"ApiSignature": {Key: c.token}})
		} else {
			ctx = context.WithValue(ctx, aurpay.ContextAPIKeys, map[string]aurpay.APIKey{"ApiKey": {Key: c.key}})
		}
	}
	service := reflect.ValueOf(client).Elem().FieldByName(pascal(op.tag) + "API")
	if !service.IsValid() {
		return nil, fmt.Errorf("no service %sAPI for tag %q", pascal(op.tag), op.tag)
	}
	method := service.MethodByName(pascal(op.id))
	if !method.IsValid() {
		return nil, fmt.Errorf("no method %s on %sAPI", pascal(op.id), pascal(op.tag))
	}
	args := []reflect.Value{reflect.ValueOf(ctx)}
	parameters, _ := op.op["parameters"].([]interface{})
	var query []map[string]interface{}
	for _, p := range parameters {
		parameter := resolve(p)
		value, ok := example(parameter)
		switch parameter["in"] {
		case "path":
			if !ok {
				return nil, fmt.Errorf("path parameter %v has no example", parameter["name"])
			}
			arg, err := decode(method.Type().In(len(args)), value)
			if err != nil {
				return nil, err
			}
			args = append(args, arg)
		case "query":
			if ok {
				query = append(query, parameter)
			}
		}
	}
	if len(args) != method.Type().NumIn() {
		return nil, fmt.Errorf("%s takes %d arguments, the spec has %d path parameters", pascal(op.id), method.Type().NumIn()-1, len(args)-1)
	}
	request := method.Call(args)[0]
	for _, parameter := range query {
		value, _ := example(parameter)
		setter := request.MethodByName(pascal(parameter["name"].(string)))
		if !setter.IsValid() {
			return nil, fmt.Errorf("no setter for query parameter %v", parameter["name"])
		}
		arg, err := decode(setter.Type().In(0), value)
		if err != nil {
			return nil, err
		}
		request = setter.Call([]reflect.Value{arg})[0]
	}
	if body := resolve(op.op["requestBody"]); body != nil {
		media := body["content"].(map[string]interface{})["application/json"].(map[string]interface{})
		ref, _ := media["schema"].(map[string]interface{})["$ref"].(string)
		name := ref[strings.LastIndex(ref, "/")+1:]
		value, ok := media["example"]
		if !ok {
			return nil, errors.New("the request body has no example")
		}
		setter := request.MethodByName(name)
		if !setter.IsValid() {
			return nil, fmt.Errorf("no body setter %s", name)
		}
		arg, err := decode(setter.Type().In(0), value)
		if err != nil {
			return nil, err
		}
		request = setter.Call([]reflect.Value{arg})[0]
	}
	out := request.MethodByName("Execute").Call(nil)
	response, _ := out[1].Interface().(*http.Response)
	if err, _ := out[2].Interface().(error); err != nil {
		body := c.last.Get()
		if len(body) > 200 {
			body = body[:200]
		}
		return nil, fmt.Errorf("%v (answer %s)", err, body)
	}
	if response == nil || response.StatusCode != 200 {
		return nil, fmt.Errorf("HTTP status %v", response)
	}
	return out[0].Interface(), nil
}

// --------------------------------------------------------- the checks

// amountsReadExactly: every number of the answer's bytes that the rule
// makes a string (a fraction or an exponent, or under an amount name) is,
// in the generated model written back as JSON, a string with the same
// characters. The numbers are found here on the parsed tree, not by the
// reader, so a reader that quoted nothing cannot pass. It returns how many
// were checked.
func amountsReadExactly(original []byte, model interface{}, names map[string]bool) (int, error) {
	decoder := json.NewDecoder(bytes.NewReader(original))
	decoder.UseNumber()
	var want interface{}
	if err := decoder.Decode(&want); err != nil {
		return 0, fmt.Errorf("the answer is not JSON: %w", err)
	}
	written, err := json.Marshal(model)
	if err != nil {
		return 0, err
	}
	decoder = json.NewDecoder(bytes.NewReader(written))
	decoder.UseNumber()
	var got interface{}
	if err := decoder.Decode(&got); err != nil {
		return 0, err
	}
	count := 0
	var walk func(want, got interface{}, place, member string) error
	walk = func(want, got interface{}, place, member string) error {
		switch w := want.(type) {
		case json.Number:
			if !strings.ContainsAny(string(w), ".eE") && !names[member] {
				return nil
			}
			count++
			if s, ok := got.(string); !ok || s != string(w) {
				return fmt.Errorf("%s is %s on the wire, the client read %#v", place, w, got)
			}
		case map[string]interface{}:
			g, _ := got.(map[string]interface{})
			for key, value := range w {
				if err := walk(value, g[key], place+"."+key, key); err != nil {
					return err
				}
			}
		case []interface{}:
			g, _ := got.([]interface{})
			for i, value := range w {
				var item interface{}
				if i < len(g) {
					item = g[i]
				}
				if err := walk(value, item, fmt.Sprintf("%s[%d]", place, i), ""); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return count, walk(want, got, "body", "")
}

func (c *clients) check(op operation, scheme string, names map[string]bool, seen *[][]byte) (int, error) {
	result, err := c.call(op, scheme)
	if err != nil {
		return 0, err
	}
	code := reflect.ValueOf(result).Elem().FieldByName("Code")
	if !code.IsValid() || code.Int() != 0 {
		return 0, fmt.Errorf("envelope code %v: %s", code, c.last.Get())
	}
	c.sent.mu.Lock()
	sent := c.sent.last
	c.sent.mu.Unlock()
	key, hasKey := aurpayhttp.Header(sent.Header, "API-Key")
	token, hasToken := aurpayhttp.Header(sent.Header, "API-Token")
	_, hasSignature := aurpayhttp.Header(sent.Header, "Signature")
	switch {
	case !op.secured:
		if hasKey || hasToken {
			return 0, errors.New("credentials sent on an operation with `security: []`")
		}
	case scheme == "signature":
		if token != c.token || hasKey || !hasSignature {
			return 0, fmt.Errorf("signature scheme sent API-Token %q, API-Key %v, Signature %v", token, hasKey, hasSignature)
		}
	default:
		if key != c.key || hasToken {
			return 0, fmt.Errorf("API-Key sent as %q (API-Token %v)", key, hasToken)
		}
	}
	original := c.last.Get()
	if seen != nil {
		*seen = append(*seen, original)
	}
	return amountsReadExactly(original, result, names)
}

func vectorChecks(signingPath, exactPath string, specNames map[string]bool) []error {
	var failures []error
	var signing struct {
		RequestSigning []struct {
			Name, Algorithm, Date, Method string
			APISecret                     string  `json:"api_secret"`
			PathAndQuery                  string  `json:"path_and_query"`
			Body                          *string `json:"body"`
			Expected                      struct {
				BodyMD5      *string `json:"body_md5"`
				StringToSign string  `json:"string_to_sign"`
				Signature    string  `json:"signature"`
			} `json:"expected"`
		} `json:"request_signing"`
		CallbackVerification []struct {
			Name             string
			CallbackToken    string `json:"callback_token"`
			CallbackSecret   string `json:"callback_secret"`
			Now              string `json:"now"`
			FreshnessSeconds int    `json:"freshness_seconds"`
			Request          struct {
				URL     string            `json:"url"`
				Headers map[string]string `json:"headers"`
			} `json:"request"`
			Expected struct {
				Valid  bool   `json:"valid"`
				Reason string `json:"reason"`
			} `json:"expected"`
		} `json:"callback_verification"`
	}
	if err := readJSON(signingPath, &signing); err != nil {
		return []error{err}
	}
	for _, c := range signing.RequestSigning {
		var body []byte
		if c.Body != nil {
			body = []byte(*c.Body)
		}
		md5 := aurpayhttp.BodyMD5(body)
		text := aurpayhttp.StringToSign(c.Algorithm, c.Date, c.Method, c.PathAndQuery, md5)
		signature, err := aurpayhttp.Signature(c.Algorithm, []byte(c.APISecret), text)
		wantMD5 := ""
		if c.Expected.BodyMD5 != nil {
			wantMD5 = *c.Expected.BodyMD5
		}
		if err != nil || md5 != wantMD5 || text != c.Expected.StringToSign || signature != c.Expected.Signature {
			failures = append(failures, fmt.Errorf("%s: got %q %q %q %v", c.Name, md5, text, signature, err))
		}
	}
	for _, c := range signing.CallbackVerification {
		now, err := time.Parse(time.RFC3339Nano, c.Now)
		if err != nil {
			failures = append(failures, fmt.Errorf("%s: now %q: %v", c.Name, c.Now, err))
			continue
		}
		headers := http.Header{}
		for name, value := range c.Request.Headers {
			headers[name] = []string{value} // as spelled, like the generated client
		}
		valid, reason := aurpayhttp.VerifyCallback(c.CallbackToken, []byte(c.CallbackSecret), now,
			time.Duration(c.FreshnessSeconds)*time.Second, c.Request.URL, headers)
		if valid != c.Expected.Valid || (!valid && reason != c.Expected.Reason) {
			failures = append(failures, fmt.Errorf("%s: got %v %q", c.Name, valid, reason))
		}
	}
	if len(signing.RequestSigning) < 6 || len(signing.CallbackVerification) < 6 {
		failures = append(failures, errors.New("too few signing vectors"))
	}

	var exact struct {
		DecimalNames []string `json:"decimal_names"`
		Cases        []struct {
			Name, Input, Expected string
		} `json:"cases"`
	}
	if err := readJSON(exactPath, &exact); err != nil {
		return append(failures, err)
	}
	for _, c := range exact.Cases {
		got, _ := aurpayhttp.QuoteDecimals([]byte(c.Input))
		if string(got) != c.Expected {
			failures = append(failures, fmt.Errorf("exact %s: got %s", c.Name, got))
		}
	}
	if len(exact.Cases) < 10 {
		failures = append(failures, errors.New("too few exact-amounts vectors"))
	}
	sameNames := func(a map[string]bool, b []string) bool {
		if len(a) != len(b) {
			return false
		}
		for _, name := range b {
			if !a[name] {
				return false
			}
		}
		return true
	}
	if !sameNames(aurpayhttp.DecimalNames, exact.DecimalNames) || !sameNames(specNames, exact.DecimalNames) {
		failures = append(failures, fmt.Errorf("amount names: reader %v, vectors %v, spec %v", aurpayhttp.DecimalNames, exact.DecimalNames, specNames))
	}
	// SHA3-256 of nothing (FIPS 202), for the hand-written hash.
	if got := fmt.Sprintf("%x", aurpayhttp.SHA3Sum256(nil)); got != "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a" {
		failures = append(failures, fmt.Errorf("SHA3-256(\"\") = %s", got))
	}
	return failures
}

func readJSON(path string, into interface{}) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, into)
}

// sandboxReport tells the sandbox to report this status and amount (a JSON
// number) for the order from now on.
func sandboxReport(baseURL, orderID, status, amount string) error {
	query := url.Values{"amount": {amount}, "form": {"number"}}
	if status != "" {
		query.Set("status", status)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	response, err := client.Post(baseURL+"/__sandbox/report/"+url.PathEscape(orderID)+"?"+query.Encode(), "application/json", nil)
	if err != nil {
		return err
	}
	defer response.Body.Close()
	body, _ := io.ReadAll(response.Body)
	var envelope struct{ Code int64 }
	if err := json.Unmarshal(body, &envelope); err != nil || envelope.Code != 0 {
		return fmt.Errorf("the sandbox refused the report: %s", body)
	}
	return nil
}

func main() {
	if len(os.Args) != 8 {
		fmt.Fprintln(os.Stderr, "usage: check <spec.json> <signing.json> <exact-amounts.json> <base-url> <api-key> <api-token> <api-secret>")
		os.Exit(2)
	}
	specPath, signingPath, exactPath, baseURL, key, token, secret := os.Args[1], os.Args[2], os.Args[3], os.Args[4], os.Args[5], os.Args[6], os.Args[7]
	if err := readJSON(specPath, &spec); err != nil {
		fmt.Println("FAIL spec:", err)
		os.Exit(1)
	}
	names := decimalNames()
	vectorFailures := vectorChecks(signingPath, exactPath, names)
	for _, failure := range vectorFailures {
		report("vectors", failure)
	}
	if len(vectorFailures) == 0 {
		report("signer, verifier and exact reader pass the shared vectors; the reader's amount names are the spec's", nil)
	}

	// A new property must not break the generated models (tolerant
	// reader: --additional-properties=disallowAdditionalPropertiesIfNotPresent=false).
	var tolerant aurpay.OrderDetail
	err := json.Unmarshal([]byte(`{"order_id":"20240806071926377966","status":"`+unknownStatus+`","amount":"1","added_by_aurpay":{"x":[1]}}`), &tolerant)
	if err == nil && tolerant.GetStatus() != unknownStatus {
		err = fmt.Errorf("status read as %q", tolerant.GetStatus())
	}
	report("a model with an unknown property and status decodes", err)

	c := newClients(strings.TrimRight(baseURL, "/"), key, token, secret)
	ops := operations()
	total := 0
	for _, scheme := range []string{"api-key", "signature"} {
		for _, op := range ops {
			n, err := c.check(op, scheme, names, nil)
			total += n
			report(fmt.Sprintf("%s (%s)", op.id, scheme), err)
		}
	}
	report(fmt.Sprintf("%d amount numbers of the answers read exactly", total), func() error {
		if total == 0 {
			return errors.New("no answer had an amount number to check")
		}
		return nil
	}())

	// What Aurpay may send tomorrow, then a whole-number amount.
	orderID, _ := example(resolve(map[string]interface{}{"$ref": "#/components/parameters/OrderId"}))
	for _, stage := range []struct{ name, status, amount string }{
		{"reported", unknownStatus, longAmount},
		{"whole", "", wholeAmount},
	} {
		if err := sandboxReport(c.base(baseURL), orderID.(string), stage.status, stage.amount); err != nil {
			report("sandbox-report", err)
			continue
		}
		var seen [][]byte
		for _, op := range ops {
			if op.movesMoney {
				continue
			}
			_, err := c.check(op, stage.name, names, &seen)
			report(fmt.Sprintf("%s (%s)", op.id, stage.name), err)
		}
		carried := 0
		for _, body := range seen {
			if bytes.Contains(body, []byte(`"amount":`+stage.amount)) {
				carried++
			}
		}
		var failure error
		if carried == 0 {
			failure = fmt.Errorf("no answer carried the number %s", stage.amount)
		}
		report(fmt.Sprintf("%d answers carried the amount %s as a JSON number, read exactly", carried, stage.amount), failure)
	}

	// The generated type says an amount is a string: this line does not
	// compile if it is a number.
	detail, _, err := c.apiKey.OrderAPI.GetOrdersDetails(
		context.WithValue(context.Background(), aurpay.ContextAPIKeys, map[string]aurpay.APIKey{"ApiKey": {Key: key}}),
		orderID.(string)).Execute()
	var amount string
	if err == nil {
		amount = detail.Data.GetAmount()
	}
	if err == nil && amount != wholeAmount {
		err = fmt.Errorf("read %q", amount)
	}
	report("typed amount is the exact string "+wholeAmount, err)

	fmt.Printf("go-client: %d passed, %d failed\n", passed, failed)
	if failed > 0 || passed < 2*len(ops) {
		os.Exit(1)
	}
}

func (c *clients) base(baseURL string) string { return strings.TrimRight(baseURL, "/") }
