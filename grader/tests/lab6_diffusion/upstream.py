"""Lab 6's probes for the upstream chain (grader.feedback.chains): ddpm_step builds on predict_x0, diffusion_loss
on q_sample; a failure there first checks those."""


def q_sample_probe(student, given) -> None:
    from grader.tests.lab6_diffusion.test_q_sample import check_q_sample

    check_q_sample(student.function("lab6_diffusion.schedules.q_sample"), (2, 1, 4, 4), [0, 500], seed=31)


def predict_x0_probe(student, given) -> None:
    from grader.tests.lab6_diffusion.test_predict_x0 import check_predict_x0

    check_predict_x0(student.function("lab6_diffusion.reverse_step.predict_x0"), 500, seed=31)


CHAIN_PROBES = {"lab6.4": q_sample_probe, "lab6.5": predict_x0_probe}
