package engine

import (
	"context"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kwait-dev/kwait/informers"
)

// NewReaderClient adapts a controller-runtime reader. The result is an
// informers.WatchClient, and so gets informers, when r is a
// client.WithWatch (as client.NewWithWatch and the fake client return);
// any other reader is polled.
func NewReaderClient(r client.Reader) informers.Client {
	if w, ok := r.(client.WithWatch); ok {
		return watchingReader{reader{r: w}, w}
	}
	return reader{r: r}
}

type reader struct{ r client.Reader }

type watchingReader struct {
	reader
	w client.WithWatch
}

var (
	_ informers.Client      = reader{}
	_ informers.WatchClient = watchingReader{}
)

func (c reader) Get(ctx context.Context, res informers.Resource, namespace, name string) (*unstructured.Unstructured, error) {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(res.GVK)
	if err := c.r.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, u); err != nil {
		return nil, err
	}
	return u, nil
}

func listOf(res informers.Resource) *unstructured.UnstructuredList {
	l := &unstructured.UnstructuredList{}
	l.SetGroupVersionKind(res.GVK.GroupVersion().WithKind(res.GVK.Kind + "List"))
	return l
}

func (c reader) List(ctx context.Context, res informers.Resource, namespace string, opts metav1.ListOptions) (*unstructured.UnstructuredList, error) {
	l := listOf(res)
	raw := opts
	err := c.r.List(ctx, l, &client.ListOptions{Namespace: namespace, Limit: opts.Limit, Continue: opts.Continue, Raw: &raw})
	if err != nil {
		return nil, err
	}
	return l, nil
}

func (c watchingReader) Watch(ctx context.Context, res informers.Resource, namespace string, opts metav1.ListOptions) (watch.Interface, error) {
	raw := opts
	w, err := c.w.Watch(ctx, listOf(res), &client.ListOptions{Namespace: namespace, Raw: &raw})
	if err != nil {
		return nil, err
	}
	// A reader may send typed objects (the controller-runtime fake client
	// does, for kinds of its scheme); informers keep unstructured ones.
	return newUnstructuredWatch(w, res), nil
}

// unstructuredWatch converts the typed objects of a watch to unstructured.
// Unlike watch.Filter, its goroutine ends on Stop even when nobody reads.
type unstructuredWatch struct {
	in   watch.Interface
	out  chan watch.Event
	stop chan struct{}
	once sync.Once
}

func newUnstructuredWatch(in watch.Interface, res informers.Resource) *unstructuredWatch {
	w := &unstructuredWatch{in: in, out: make(chan watch.Event), stop: make(chan struct{})}
	go func() {
		defer close(w.out)
		for ev := range in.ResultChan() {
			if _, ok := ev.Object.(*unstructured.Unstructured); !ok && ev.Type != watch.Error && ev.Type != watch.Bookmark {
				m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(ev.Object)
				if err != nil {
					ev = watch.Event{Type: watch.Error, Object: &metav1.Status{Status: metav1.StatusFailure, Message: err.Error()}}
				} else {
					u := &unstructured.Unstructured{Object: m}
					u.SetGroupVersionKind(res.GVK)
					ev.Object = u
				}
			}
			select {
			case w.out <- ev:
			case <-w.stop:
				return
			}
		}
	}()
	return w
}

func (w *unstructuredWatch) ResultChan() <-chan watch.Event { return w.out }

func (w *unstructuredWatch) Stop() {
	w.once.Do(func() {
		close(w.stop)
		w.in.Stop()
	})
}

// IsWatchListSemanticsUnSupported makes the reflector use LIST+WATCH:
// controller-runtime readers include fakes that ignore sendInitialEvents,
// which would leave a streaming list waiting forever for its bookmark. The
// initial LIST is still a consistent read (see package informers).
func (c watchingReader) IsWatchListSemanticsUnSupported() bool { return true }
