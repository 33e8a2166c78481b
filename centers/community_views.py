"""Pages of the community side of 1+16+N: service groups, volunteers, training, workshops."""
