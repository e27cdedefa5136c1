package informers

import (
	"errors"
	"net/url"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestListWatchErrorReadsTheSameOnEveryRetry(t *testing.T) {
	t.Parallel()
	refused := errors.New("connect: connection refused")
	a := &ListWatchError{Resource: "widgets", Scope: Scope{Namespace: "ns"}, Err: &url.Error{Op: "Get", URL: "https://x/?timeoutSeconds=311", Err: refused}}
	b := &ListWatchError{Resource: "widgets", Scope: Scope{Namespace: "ns"}, Err: &url.Error{Op: "Get", URL: "https://x/?timeoutSeconds=479", Err: refused}}
	if a.Error() != b.Error() {
		t.Errorf("messages differ: %q vs %q", a, b)
	}
	if want := "list/watch widgets (namespace ns): connect: connection refused"; a.Error() != want {
		t.Errorf("message %q, want %q", a, want)
	}
	if !errors.Is(a, refused) {
		t.Error("the cause does not unwrap")
	}
	forbidden := &ListWatchError{Err: apierrors.NewForbidden(schema.GroupResource{Resource: "widgets"}, "", errors.New("no"))}
	if !apierrors.IsForbidden(forbidden) {
		t.Error("Forbidden does not unwrap")
	}
}
