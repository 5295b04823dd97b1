"""bridgeface training: bridge distillation of dlib's face recognition ResNet into a 0.19M-param LR student."""
