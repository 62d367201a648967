# %% [markdown]
# # How concentrated is rare-earth mining, and where does Pakistan stand?
#
# Reproduces the USGS Mineral Commodity Summaries 2025 figure that China mined
# about 270,000 t of rare-earth oxide (REO) in 2024 out of a world total of
# about 390,000 t, and computes the concentration indices from the same rows.

# %%
from orechain.atlas.profile import country_profile
from orechain.atlas.store import open_atlas
from orechain.risk.commodity import commodity_risk

atlas = open_atlas(read_only=True)
ree = commodity_risk(atlas, "rare earths", "mine", 2024)
print(f"{ree.type}, {ree.year} ({', '.join(ree.sources)})")
print(f"total {ree.total:,.0f} {ree.unit} (published world total {ree.world_total_published:,.0f})")
print(f"top {ree.top_country}: CR1 {100 * ree.cr1:.1f} %, CR3 {100 * ree.cr3:.1f} %")
print(f"HHI {ree.hhi:,.0f} (0-10,000), governance-weighted HHI_WGI {ree.hhi_wgi:.2f} (0-10)")

# %% [markdown]
# USGS rounds its world total; the shares use the sum of the country rows plus
# "other countries" as the denominator, and report the difference.

# %%
print(f"computed total − published total = {ree.difference_from_published:,.0f} {ree.unit}")
assert ree.top_country == "CHN"

# %% [markdown]
# Pakistan's place in every commodity it produces or holds reserves of:

# %%
pak = country_profile(atlas, "Pakistan")
for e in pak.entries:
    share = (
        "" if e.share is None else f"{100 * e.share:.2f} % of world, rank {e.rank}/{e.n_countries}"
    )
    print(f"{e.commodity:<24} {e.measure:<18} {e.year} {e.value:>14,.0f} {e.unit:<22} {share}")
atlas.close()
