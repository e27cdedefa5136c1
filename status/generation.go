package status

import "fmt"

// checkGeneration returns InProgress when status.observedGeneration is set
// and differs from metadata.generation. Objects without either field pass:
// many kinds never report observedGeneration.
func checkGeneration(o *object) (*Result, error) {
	gen, found, err := nestedInt(o.obj, "metadata", "generation")
	if err != nil || !found {
		return nil, err
	}
	observed, found, err := nestedInt(o.obj, "status", "observedGeneration")
	if err != nil || !found || observed == gen {
		return nil, err
	}
	msg := fmt.Sprintf("%s generation is %d, but latest observed generation is %d", o.kindOrResource(), gen, observed)
	return inProgress("LatestGenerationNotObserved", msg), nil
}

// requireObservedGeneration returns InProgress unless both metadata.generation
// and status.observedGeneration are set. It is for kinds whose controller
// always writes observedGeneration, so its absence means "not observed yet".
func requireObservedGeneration(o *object) (*Result, error) {
	_, found, err := nestedInt(o.obj, "metadata", "generation")
	if err != nil {
		return nil, err
	}
	if !found {
		return inProgress("NoGeneration", o.kindOrResource()+" metadata.generation not found"), nil
	}
	_, found, err = nestedInt(o.obj, "status", "observedGeneration")
	if err != nil {
		return nil, err
	}
	if !found {
		return inProgress("NoObservedGeneration", o.kindOrResource()+" status.observedGeneration not found"), nil
	}
	return nil, nil
}
