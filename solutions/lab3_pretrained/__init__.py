"""Lab 3: classify photos with an ImageNet-pretrained network, and look inside it."""
