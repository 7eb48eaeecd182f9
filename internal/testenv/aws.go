package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// The dummy keys that AWSEnv and WriteAWSFiles give to tests; gofakes3
// accepts any.
const (
	AWSKeyID     = "AKIAFAKEFAKEFAKE"
	AWSSecretKey = "fake-secret-key"
)

// WriteAWSFiles gives home the AWS credentials a scheduled run finds
// without any variable set: ~/.aws/credentials with the dummy keys and
// ~/.aws/config with region us-east-1, both in the default profile. The
// config also points the instance metadata endpoint at a closed port on
// 127.0.0.1, so that a run whose credentials are not found never reaches
// the link-local metadata address, even without AWS_EC2_METADATA_DISABLED.
func WriteAWSFiles(t testing.TB, home string) {
	t.Helper()
	dir := filepath.Join(home, ".aws")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"credentials": "[default]\naws_access_key_id = " + AWSKeyID + "\naws_secret_access_key = " + AWSSecretKey + "\n",
		"config":      "[default]\nregion = us-east-1\nec2_metadata_service_endpoint = http://127.0.0.1:9\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// WriteAWSFiles is the package's WriteAWSFiles, for a test that uses s.
func (s *S3) WriteAWSFiles(t testing.TB, home string) {
	t.Helper()
	WriteAWSFiles(t, home)
}
