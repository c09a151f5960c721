"""Complete data helpers shared by the labs: MNIST loading, the kit's fixed split, IDX files, augmentation."""
