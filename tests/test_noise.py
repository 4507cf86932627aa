import pytest
import torch

from skae.noise import NOISES, gaussian, masking, salt_and_pepper

N = 200_000


def uniform_batch():
    g = torch.Generator().manual_seed(0)
    return torch.rand(N // 100, 100, generator=g) + 0.5  # no zeros, in [0.5, 1.5)


@pytest.mark.parametrize("ratio", [0.1, 0.25, 0.5])
def test_masking_zeroes_the_ratio_of_entries(ratio):
    torch.manual_seed(0)
    x = uniform_batch()
    out = masking(x, ratio, {})
    fraction = (out == 0).float().mean().item()
    assert abs(fraction - ratio) < 4 * (ratio * (1 - ratio) / N) ** 0.5
    kept = out != 0
    assert torch.equal(out[kept], x[kept])


def test_gaussian_noise_scales_with_each_feature_std():
    torch.manual_seed(0)
    std = torch.linspace(0.1, 10, 100)
    x = torch.zeros(N // 100, 100)
    noise = gaussian(x, 0.3, {"std": std})
    measured = noise.std(dim=0)
    assert torch.allclose(measured, 0.3 * std, rtol=0.1)
    assert abs(noise.mean().item()) < 0.05


def test_salt_and_pepper_uses_feature_extremes_by_a_fair_coin():
    torch.manual_seed(0)
    x = uniform_batch()
    stats = {"min": torch.full((100,), -3.0), "max": torch.full((100,), 7.0)}
    out = salt_and_pepper(x, 0.2, stats)
    salt, pepper = (out == 7.0).float().mean().item(), (out == -3.0).float().mean().item()
    assert abs(salt + pepper - 0.2) < 0.01
    assert abs(salt - pepper) < 0.01
    untouched = (out != 7.0) & (out != -3.0)
    assert torch.equal(out[untouched], x[untouched])


@pytest.mark.parametrize("name", sorted(NOISES))
def test_noises_return_new_tensors_and_leave_input_alone(name):
    x = uniform_batch()
    before = x.clone()
    stats = {"std": torch.ones(100), "min": torch.zeros(100), "max": torch.ones(100)}
    out = NOISES[name](x, 0.3, stats)
    assert out.shape == x.shape and torch.equal(x, before)
