"""Lab 4: transfer learning, fine-tuning an ImageNet-pretrained network to classify Pokémon by type."""
