// Package uploadtest runs gofakes3 on 127.0.0.1 behind a handler that can
// inject faults (5xx, throttling, connection resets, stalls, error codes,
// another bucket region), plus a small fake STS, for the upload tests.
package uploadtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/conductorone/baton-setup/internal/lazyre"
	"github.com/conductorone/baton-setup/internal/testenv"
)

// Fault is what the handler does to one matching request.
type Fault string

// The faults a Server can inject.
const (
	Status500    Fault = "500"
	SlowDown     Fault = "503 SlowDown"
	Reset        Fault = "reset"
	Stall        Fault = "stall"
	AccessDenied Fault = "403 AccessDenied"
	ExpiredToken Fault = "400 ExpiredToken"
	NoSuchBucket Fault = "404 NoSuchBucket"
)

// Server is gofakes3 with fault injection.
type Server struct {
	URL     string
	Backend *s3mem.Backend

	mu       sync.Mutex
	rules    []*rule
	location string
	// strict refuses requests signed for a region other than location.
	strict bool
	log    []Request
}

// Request is what the server saw of one request.
type Request struct {
	Method, Path, Query string
	// AccessKey is the Credential= key of the SigV4 Authorization header,
	// and Region the region it is signed for.
	AccessKey string
	Region    string
	Fault     Fault
}

type rule struct {
	match  func(*http.Request) bool
	faults []Fault
	always Fault
}

// NewServer starts the server with the given buckets; it stops when the
// test ends.
func NewServer(t testing.TB, buckets ...string) *Server {
	t.Helper()
	s := &Server{Backend: s3mem.New()}
	for _, b := range buckets {
		if err := s.Backend.CreateBucket(b); err != nil {
			t.Fatal(err)
		}
	}
	inner := gofakes3.New(s.Backend).Server()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.serve(inner, w, r) }))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Inject applies the faults, one each, to the next matching requests.
func (s *Server) Inject(match func(*http.Request) bool, faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules = append(s.rules, &rule{match: match, faults: faults})
}

// Always applies the fault to every matching request.
func (s *Server) Always(match func(*http.Request) bool, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules = append(s.rules, &rule{match: match, always: f})
}

// Clear removes every fault.
func (s *Server) Clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules = nil
}

// SetLocation makes GetBucketLocation answer region for every bucket, as
// a bucket created in another region would.
func (s *Server) SetLocation(region string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.location = region
}

// SetRegion puts every bucket in region as real S3 does: GetBucketLocation
// names it, HeadBucket sends it in x-amz-bucket-region, and any other
// request signed for another region is refused with a 301
// PermanentRedirect that names it.
func (s *Server) SetRegion(region string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.location, s.strict = region, true
}

// Requests returns the requests seen so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.log...)
}

// Count returns how many requests matched.
func (s *Server) Count(match func(Request) bool) int {
	n := 0
	for _, r := range s.Requests() {
		if match(r) {
			n++
		}
	}
	return n
}

var (
	credential = lazyre.New(`Credential=([A-Z0-9]+)/`)
	// scope finds the region of a SigV4 credential scope.
	scope = lazyre.New(`Credential=[A-Z0-9]+/\d{8}/([a-z0-9-]+)/`)
)

func (s *Server) serve(inner http.Handler, w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	var fault Fault
	for _, rl := range s.rules {
		if !rl.match(r) {
			continue
		}
		if rl.always != "" {
			fault = rl.always
			break
		}
		if len(rl.faults) > 0 {
			fault, rl.faults = rl.faults[0], rl.faults[1:]
			break
		}
	}
	req := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Fault: fault}
	if m := credential().FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		req.AccessKey = m[1]
	}
	if m := scope().FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		req.Region = m[1]
	}
	s.log = append(s.log, req)
	location, strict := s.location, s.strict
	s.mu.Unlock()

	isLocation := r.Method == http.MethodGet && r.URL.Query().Has("location")
	if location != "" && IsHeadBucket(r) {
		w.Header().Set("X-Amz-Bucket-Region", location)
	}
	if fault == "" && strict && !isLocation && req.Region != location {
		w.Header().Set("X-Amz-Bucket-Region", location)
		writeError(w, r, http.StatusMovedPermanently, "PermanentRedirect")
		return
	}

	switch fault {
	case "":
	case Reset:
		hj, ok := w.(http.Hijacker)
		if !ok {
			panic("uploadtest: cannot hijack")
		}
		conn, _, err := hj.Hijack()
		if err != nil {
			panic(err)
		}
		// Linger 0 sends a TCP RST instead of a FIN: a real reset.
		if tc, ok := conn.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		conn.Close()
		return
	case Stall:
		// Reading the body first lets the server notice the client hang up.
		io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
		return
	default:
		status, code, _ := strings.Cut(string(fault), " ")
		var n int
		fmt.Sscan(status, &n)
		writeError(w, r, n, code)
		return
	}
	if r.Method == http.MethodPut {
		// Check what real S3 checks and gofakes3 does not: the signed
		// payload hash and the SHA-256 checksum must match the body.
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		sum := sha256.Sum256(body)
		if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" && h != "UNSIGNED-PAYLOAD" && !strings.HasPrefix(h, "STREAMING-") && h != hex.EncodeToString(sum[:]) {
			writeError(w, r, http.StatusBadRequest, "XAmzContentSHA256Mismatch")
			return
		}
		if c := r.Header.Get("X-Amz-Checksum-Sha256"); c != "" && c != base64.StdEncoding.EncodeToString(sum[:]) {
			writeError(w, r, http.StatusBadRequest, "BadDigest")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	if location != "" && isLocation {
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">%s</LocationConstraint>`, location)
		return
	}
	inner.ServeHTTP(w, r)
}

func writeError(w http.ResponseWriter, r *http.Request, status int, code string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	if r.Method != http.MethodHead && code != "" {
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>injected by uploadtest</Message><RequestId>uploadtest</RequestId></Error>`, code)
	}
}

// IsPut matches PutObject and UploadPart.
func IsPut(r *http.Request) bool { return r.Method == http.MethodPut }

// IsUploadPart matches UploadPart.
func IsUploadPart(r *http.Request) bool {
	return r.Method == http.MethodPut && r.URL.Query().Has("partNumber")
}

// IsPutObject matches PutObject.
func IsPutObject(r *http.Request) bool {
	return r.Method == http.MethodPut && !r.URL.Query().Has("partNumber")
}

// IsHeadBucket matches HeadBucket.
func IsHeadBucket(r *http.Request) bool {
	return r.Method == http.MethodHead && strings.Count(strings.Trim(r.URL.Path, "/"), "/") == 0
}

// SetEnv gives the test process what a user's scheduled run has: a HOME
// whose ~/.aws files hold dummy keys the server accepts, and no AWS_*
// variable but AWS_EC2_METADATA_DISABLED, so that nothing probes the
// instance-metadata address.
func SetEnv(t testing.TB) {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	dir := filepath.Join(home, ".aws")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{
		"credentials": "[default]\naws_access_key_id = AKIAFAKEFAKEFAKE\naws_secret_access_key = fake-secret-key\n",
		"config":      "[default]\nregion = us-east-1\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []string{
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
		"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
		"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_STS", "AWS_CA_BUNDLE",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
	} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// STS is a fake STS endpoint that answers GetCallerIdentity and AssumeRole.
type STS struct {
	URL string

	mu sync.Mutex
	// ExternalIDs holds the ExternalId of each AssumeRole call.
	ExternalIDs []string
	// Fail, when set, is the error code for every call.
	Fail string
}

// Assumed-role credentials handed out by the fake STS.
const (
	RoleAccessKey = "ASIAFAKEROLEFAKEROLE"
	Account       = "123456789012"
)

// NewSTS starts the fake STS; it stops when the test ends.
func NewSTS(t testing.TB) *STS {
	t.Helper()
	s := &STS{}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// SetFail makes every call fail with code.
func (s *STS) SetFail(code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Fail = code
}

func (s *STS) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	fail := s.Fail
	if r.Form.Get("Action") == "AssumeRole" {
		s.ExternalIDs = append(s.ExternalIDs, r.Form.Get("ExternalId"))
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/xml")
	if fail != "" {
		status := http.StatusBadRequest
		if fail == "AccessDenied" {
			status = http.StatusForbidden
		}
		w.WriteHeader(status)
		fmt.Fprintf(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>%s</Code><Message>injected by uploadtest</Message></Error><RequestId>uploadtest</RequestId></ErrorResponse>`, fail)
		return
	}
	switch r.Form.Get("Action") {
	case "AssumeRole":
		exp := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		fmt.Fprintf(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>%s</AccessKeyId><SecretAccessKey>role-secret</SecretAccessKey><SessionToken>role-token</SessionToken><Expiration>%s</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::%s:assumed-role/uploader/%s</Arn><AssumedRoleId>AROAFAKE:%s</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>uploadtest</RequestId></ResponseMetadata></AssumeRoleResponse>`,
			RoleAccessKey, exp, Account, r.Form.Get("RoleSessionName"), r.Form.Get("RoleSessionName"))
	case "GetCallerIdentity":
		arn := "arn:aws:iam::" + Account + ":user/ci"
		if m := credential().FindStringSubmatch(r.Header.Get("Authorization")); m != nil && m[1] == RoleAccessKey {
			arn = "arn:aws:sts::" + Account + ":assumed-role/uploader/baton-setup"
		}
		fmt.Fprintf(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>%s</Arn><UserId>AIDAFAKE</UserId><Account>%s</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>uploadtest</RequestId></ResponseMetadata></GetCallerIdentityResponse>`, arn, Account)
	default:
		http.Error(w, "unsupported action", http.StatusBadRequest)
	}
}

// Get returns an object's bytes straight from the backend, or nil when it
// does not exist.
func (s *Server) Get(t testing.TB, bucket, key string) []byte {
	t.Helper()
	return testenv.Object(t, s.Backend, bucket, key)
}
