"""Concentration and supply-risk metrics computed from the atlas.

Definitions follow ``docs/design.md`` ("Risk definitions"): shares over country rows
plus any "other countries" row, HHI on 0–10,000, CR1/CR3, governance-weighted
HHI (EU CRM method), net import reliance, EU supply risk, and import-side
concentration for a buyer.
"""
