package envtest_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"go.uber.org/goleak"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/kwait-dev/kwait/status"
	"github.com/kwait-dev/kwait/wait"
)

// loggedRequest is one request a requestLog saw, with its answer.
type loggedRequest struct {
	requestKey
	// FieldSelector is the request's decoded field selector, such as
	// "metadata.name=w1"; "" when it has none.
	FieldSelector string
	// Code is the HTTP status of the answer; 0 when none came.
	Code int
	// Unsent is true for a request whose context had ended before it
	// reached the transport, which then never sends it: the client gave
	// up on it (a source stopped at once), the API server never saw it.
	Unsent bool
}

func (r loggedRequest) String() string {
	s := r.Verb + " " + r.Path
	if r.FieldSelector != "" {
		s += "?fieldSelector=" + r.FieldSelector
	}
	switch {
	case r.Unsent:
		return s + " → not sent"
	case r.Code == 0:
		return s + " → no answer"
	}
	return fmt.Sprintf("%s → %d", s, r.Code)
}

// listing reports whether r reads a whole collection (LIST or a streaming
// list), watching whether it watches one.
func (r loggedRequest) listing() bool  { return r.Verb == verbList || r.Verb == verbWatchList }
func (r loggedRequest) watching() bool { return r.Verb == verbWatch || r.Verb == verbWatchList }

// listOrWatch reports whether r lists or watches a collection.
func (r loggedRequest) listOrWatch() bool { return r.listing() || r.watching() }

// requestLog records, in the order their answers arrive, the requests made
// through configs it wraps and the HTTP status each got: the request
// counter of wait_helpers_test.go, also telling which were refused. Only
// requests that were sent count; String lists the others too.
type requestLog struct {
	mu   sync.Mutex
	reqs []loggedRequest
}

// config returns a copy of base whose requests l records.
func (l *requestLog) config(base *rest.Config) *rest.Config {
	out := rest.CopyConfig(base)
	prev := out.WrapTransport
	out.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
		if prev != nil {
			rt = prev(rt)
		}
		return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
			unsent := req.Context().Err() != nil
			resp, err := rt.RoundTrip(req)
			logged := loggedRequest{
				requestKey:    classifyRequest(req),
				FieldSelector: req.URL.Query().Get("fieldSelector"),
				Unsent:        unsent,
			}
			if resp != nil {
				logged.Code = resp.StatusCode
			}
			l.mu.Lock()
			l.reqs = append(l.reqs, logged)
			l.mu.Unlock()
			return resp, err
		})
	}
	return out
}

// all returns the requests sent so far, in order.
func (l *requestLog) all() []loggedRequest {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.DeleteFunc(slices.Clone(l.reqs), func(r loggedRequest) bool { return r.Unsent })
}

// where returns the recorded requests that keep says to keep, in order.
func (l *requestLog) where(keep func(loggedRequest) bool) []loggedRequest {
	var out []loggedRequest
	for _, r := range l.all() {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

// String counts the requests by verb, path, field selector and answer,
// one per line, sorted, leaving out discovery.
func (l *requestLog) String() string {
	l.mu.Lock()
	reqs := slices.Clone(l.reqs)
	l.mu.Unlock()
	counts := make(map[string]int)
	for _, r := range reqs {
		if r.Verb != verbDiscovery {
			counts[r.String()]++
		}
	}
	lines := make([]string, 0, len(counts))
	for k, n := range counts {
		lines = append(lines, fmt.Sprintf("%s: %d", k, n))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// onPath, listOrWatchOf and friends are predicates for requestLog.where.
func onPath(path string) func(loggedRequest) bool {
	return func(r loggedRequest) bool { return r.Path == path }
}

func listOrWatchOf(path string) func(loggedRequest) bool {
	return func(r loggedRequest) bool { return r.Path == path && r.listOrWatch() }
}

// collectionWide keeps the list/watch requests of path without a field
// selector: those that read the whole collection.
func collectionWide(path string) func(loggedRequest) bool {
	return func(r loggedRequest) bool { return r.Path == path && r.listOrWatch() && r.FieldSelector == "" }
}

// codes returns the HTTP status of each request.
func codes(reqs []loggedRequest) []int {
	out := make([]int, len(reqs))
	for i, r := range reqs {
		out[i] = r.Code
	}
	return out
}

// nameSelector is the field selector of a single-object list or watch.
func nameSelector(name string) string { return "metadata.name=" + name }

// waiterUser provisions an envtest user named name (with the spec's
// namespace in it, so that users never clash) and, for each namespace of
// rules, a Role with those rules bound to it. It returns the user's config;
// the Roles go with their namespace.
func waiterUser(ctx context.Context, name string, rules map[string][]rbacv1.PolicyRule) *rest.Config {
	GinkgoHelper()
	for ns, nsRules := range rules {
		role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "kwait-waiter"}, Rules: nsRules}
		Expect(k8sClient.Create(ctx, role)).To(Succeed())
		binding := &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "kwait-waiter"},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name},
			Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: name}},
		}
		Expect(k8sClient.Create(ctx, binding)).To(Succeed())
	}
	// The RBAC authorizer reads Roles from an informer: wait until it
	// grants what was bound, so that no spec sees a 403 it did not ask for.
	for ns, nsRules := range rules {
		for _, rule := range nsRules {
			names := rule.ResourceNames
			if len(names) == 0 {
				names = []string{""}
			}
			for _, verb := range rule.Verbs {
				review := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
					User: name,
					ResourceAttributes: &authorizationv1.ResourceAttributes{
						Namespace: ns, Verb: verb, Group: rule.APIGroups[0], Resource: rule.Resources[0], Name: names[0],
					},
				}}
				Eventually(func(g Gomega) bool {
					got := review.DeepCopy()
					g.Expect(k8sClient.Create(ctx, got)).To(Succeed())
					return got.Status.Allowed
				}).WithContext(ctx).WithTimeout(10*time.Second).WithPolling(20*time.Millisecond).Should(BeTrue(),
					"%s may %s %s in %s", name, verb, rule.Resources[0], ns)
			}
		}
	}
	// cfg as the base keeps its QPS and burst (1000 and 2000): client-go's
	// defaults (5 and 10) would throttle polling at 200ms.
	user, err := testEnv.AddUser(envtest.User{Name: name}, cfg)
	Expect(err).NotTo(HaveOccurred())
	return user.Config()
}

// createConfigMap creates an empty ConfigMap, which is always Current.
func createConfigMap(ctx context.Context, ns, name string) *corev1.ConfigMap {
	GinkgoHelper()
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	Expect(k8sClient.Create(ctx, cm)).To(Succeed())
	return cm
}

func configMapID(cm *corev1.ConfigMap) wait.ResourceIdentifier {
	return wait.ResourceIdentifier{Name: cm.Name, Namespace: cm.Namespace, GroupKind: configMapGK}
}

// writeConditions replaces obj's status with conditions (type → status,
// each with reason Test and message msg) for its current generation.
// Unlike setWidgetStatus it rereads the object first and retries, so it
// also works on objects the spec did not write last, and on an API server
// that is still coming up.
func writeConditions(ctx context.Context, obj *unstructured.Unstructured, msg string, conditions ...string) {
	GinkgoHelper()
	Expect(len(conditions)%2).To(BeZero(), "conditions are type, status pairs")
	conds := make([]any, 0, len(conditions)/2)
	for i := 0; i < len(conditions); i += 2 {
		conds = append(conds, map[string]any{
			"type": conditions[i], "status": conditions[i+1], "reason": "Test", "message": msg,
		})
	}
	Eventually(func(g Gomega) {
		fresh := &unstructured.Unstructured{}
		fresh.SetGroupVersionKind(obj.GroupVersionKind())
		g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(obj), fresh)).To(Succeed())
		fresh.Object["status"] = map[string]any{"observedGeneration": fresh.GetGeneration(), "conditions": conds}
		g.Expect(k8sClient.Status().Update(ctx, fresh)).To(Succeed())
		fresh.DeepCopyInto(obj)
	}).WithContext(ctx).WithTimeout(30 * time.Second).WithPolling(100 * time.Millisecond).Should(Succeed())
}

// readUntil reads ResourceUpdates and returns them (with those before)
// once done says the last one is what the spec waits for. It fails on a
// final event, a close, or eventTimeout without events.
func readUntil(events <-chan wait.Event, done func(wait.Event) bool, before ...wait.Event) []wait.Event {
	GinkgoHelper()
	got := before
	for {
		ev := nextEvent(events)
		got = append(got, ev)
		Expect(ev.Type).To(Equal(wait.ResourceUpdate), "the wait ended early:\n%s", describeEvents(got))
		if done(ev) {
			return got
		}
	}
}

// isUpdate matches a ResourceUpdate of id with status st, message msg
// and no error.
func isUpdate(id wait.ResourceIdentifier, st status.Status, msg string) func(wait.Event) bool {
	return func(ev wait.Event) bool {
		r := ev.EventResource
		return r != nil && r.ResourceIdentifier == id && r.Status == st && r.Message == msg && r.Error == nil
	}
}

// seedOf is the seed's part of an update: r without kwait's Met.
func seedOf(r wait.EventResource) wait.EventResource {
	r.Met = false
	return r
}

// seedUpdatesOf is updatesOf, the seed's part of each.
func seedUpdatesOf(id wait.ResourceIdentifier, events []wait.Event) []wait.EventResource {
	out := updatesOf(id, events)
	for i := range out {
		out[i] = seedOf(out[i])
	}
	return out
}

// updatesOf returns the ResourceUpdates of id among events.
func updatesOf(id wait.ResourceIdentifier, events []wait.Event) []wait.EventResource {
	var out []wait.EventResource
	for _, ev := range events {
		if r := ev.EventResource; r != nil && r.ResourceIdentifier == id {
			out = append(out, *r)
		}
	}
	return out
}

// withErrors returns the events that carry an error.
func withErrors(events []wait.Event) []wait.Event {
	var out []wait.Event
	for _, ev := range events {
		if ev.EventResource != nil && ev.EventResource.Error != nil {
			out = append(out, ev)
		}
	}
	return out
}

// closeAndExpectNoLeaks closes r and checks that no goroutine started since
// ignore was taken (goleak.IgnoreCurrent, before r was built) outlives it.
func closeAndExpectNoLeaks(r *wait.Resolver, ignore goleak.Option) {
	GinkgoHelper()
	r.Close()
	Eventually(goleak.Find).WithArguments(ignore).WithTimeout(10 * time.Second).Should(Succeed())
}
