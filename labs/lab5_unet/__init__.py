"""Lab 5: a U-Net that reads handwritten postcodes pixel by pixel (semantic segmentation)."""
