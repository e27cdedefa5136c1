package status

// AugmentAt is augment with a fixed clock, for tests.
var AugmentAt = augment
