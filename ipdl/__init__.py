"""ipdl: the kit's own library (data sets, pretrained models, checkpoints, the lab catalogue), shared by the
reference solutions, the students' labs, the grader and the web app. Students do not edit it."""
