//! corridor-io: readers and writers.
