package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/cli-runtime/pkg/resource"

	"github.com/kwait-dev/kwait/wait"
)

// target is one resource to wait for, with where it was named.
type target struct {
	id     wait.ResourceIdentifier
	source string // the manifest file, or "" for a TYPE/NAME argument
}

// targets reads the resources to wait for through cli-runtime's resource
// builder: from -f manifests (files, directories, URLs, stdin) or from
// TYPE/NAME arguments and -l. Every input error is a usageError.
func (o *options) targets() ([]target, error) {
	fo := o.files.ToOptions()
	hasFiles := len(fo.Filenames) > 0 || fo.Kustomize != ""
	switch {
	case hasFiles && len(o.args) > 0:
		return nil, usagef("-f and TYPE/NAME arguments cannot be combined: give one or the other")
	case !hasFiles && len(o.args) == 0:
		return nil, usagef("nothing to wait for: give -f FILE|DIR|- or TYPE/NAME arguments")
	}
	ns, explicit, err := o.config.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return nil, &usageError{fmt.Errorf("kubeconfig: %w", err)}
	}
	if hasFiles {
		return o.manifestTargets(fo, ns, explicit)
	}
	return o.argTargets(ns)
}

// manifestTargets decodes the manifests without asking the server, then
// maps each kind on its own: a kind the cluster does not serve yet (a CRD
// applied a moment ago) is still waited for, and the wait picks it up once
// it is served.
func (o *options) manifestTargets(fo resource.FilenameOptions, ns string, explicit bool) ([]target, error) {
	// "-" is read from the command's stdin, which the builder would take
	// from os.Stdin.
	stdin := slices.Contains(fo.Filenames, "-")
	fo.Filenames = slices.DeleteFunc(slices.Clone(fo.Filenames), func(f string) bool { return f == "-" })
	b := resource.NewBuilder(o.config).
		Unstructured().
		Local().
		ContinueOnError().
		FilenameParam(false, &fo)
	if stdin {
		b = b.Stream(o.streams.In, "STDIN")
	}
	infos, err := b.
		LabelSelectorParam(o.selector).
		Flatten().
		Do().
		Infos()
	if err != nil {
		return nil, &usageError{inputError(err)}
	}
	if len(infos) == 0 {
		if stdin {
			fo.Filenames = append(fo.Filenames, "-")
		}
		return nil, usagef("no resources found in %s", describeFiles(fo))
	}
	mapper, mapperErr := o.config.ToRESTMapper()
	scopes := map[schema.GroupVersionKind]meta.RESTScope{}
	out := make([]target, 0, len(infos))
	for _, info := range infos {
		gvk := info.Object.GetObjectKind().GroupVersionKind()
		if info.Name == "" {
			return nil, usagef("%s: %s has no metadata.name (generateName cannot be waited for)", info.Source, gvk.Kind)
		}
		scope, seen := scopes[gvk]
		if !seen && mapperErr == nil {
			if m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version); err == nil {
				scope = m.Scope
			}
			scopes[gvk] = scope
		}
		id := wait.ResourceIdentifier{Name: info.Name, Namespace: info.Namespace, GroupKind: gvk.GroupKind()}
		switch {
		case scope != nil && scope.Name() == meta.RESTScopeNameRoot:
			id.Namespace = ""
		case explicit && id.Namespace != "" && id.Namespace != ns:
			return nil, usagef("%s: the namespace of %s %s is %q, not %q (-n): give -n %s or none",
				info.Source, gvk.Kind, info.Name, id.Namespace, ns, id.Namespace)
		case id.Namespace == "" && (scope != nil || ns != "default"):
			// A kind the cluster does not serve yet is taken for namespaced
			// unless the namespace is "default", where "" means the same
			// for a namespaced kind and the right thing for a cluster one.
			id.Namespace = ns
		}
		out = append(out, target{id: id, source: info.Source})
	}
	return out, nil
}

// argTargets maps TYPE/NAME arguments (short names, TYPE NAME..., TYPE -l)
// to resources. Named resources are not read: one that does not exist yet
// can be waited for (--for=create).
func (o *options) argTargets(ns string) ([]target, error) {
	infos, err := resource.NewBuilder(o.config).
		Unstructured().
		NamespaceParam(ns).DefaultNamespace().
		LabelSelectorParam(o.selector).
		ResourceTypeOrNameArgs(o.selector != "", o.args...).
		RequireObject(false).
		ContinueOnError().
		Flatten().
		Do().
		Infos()
	if err != nil {
		if isConnectionError(err) {
			return nil, fmt.Errorf("look up %v: %w", o.args, err)
		}
		return nil, &usageError{inputError(err)}
	}
	if len(infos) == 0 {
		return nil, usagef("no resources found for %v", o.args)
	}
	out := make([]target, 0, len(infos))
	for _, info := range infos {
		id := wait.ResourceIdentifier{Name: info.Name, Namespace: info.Namespace, GroupKind: info.Mapping.GroupVersionKind.GroupKind()}
		if info.Mapping.Scope.Name() == meta.RESTScopeNameRoot {
			id.Namespace = ""
		}
		out = append(out, target{id: id})
	}
	return out, nil
}

// inputError flattens the builder's aggregate of errors into one error with
// a line per error.
func inputError(err error) error {
	var agg utilerrors.Aggregate
	if errors.As(err, &agg) && len(agg.Errors()) > 1 {
		errs := agg.Errors()
		msg := fmt.Sprintf("%d errors in the input:", len(errs))
		for _, e := range errs {
			msg += "\n  " + e.Error()
		}
		return errors.New(msg)
	}
	return err
}

// isConnectionError tells a cluster that cannot be reached from bad input.
func isConnectionError(err error) bool {
	var ue *url.Error
	var ne net.Error
	return errors.As(err, &ue) || errors.As(err, &ne)
}

func describeFiles(fo resource.FilenameOptions) string {
	files := slices.Clone(fo.Filenames)
	if fo.Kustomize != "" {
		files = append(files, fo.Kustomize)
	}
	return fmt.Sprint(files)
}

func ids(ts []target) []wait.ResourceIdentifier {
	out := make([]wait.ResourceIdentifier, len(ts))
	for i, t := range ts {
		out[i] = t.id
	}
	return out
}
