#!/usr/bin/env bash
# ASSUMPTION: an illustrative rare-earth concentrate consignment, Pakistan -> Karachi -> USA.
# Every organisation, site, lot, mass, grade, document and container number below is
# invented for demonstration; none is an official or reported figure. HS 2530.90
# (mineral substances n.e.s.) is the heading commonly used for rare-earth concentrate.
#
# Run it line by line in an empty folder (it writes ./consignment/), or as a whole:
#   bash docs/examples/pakistan-consignment.sh [WORKDIR]
set -euo pipefail
W=${1:-consignment}
mkdir -p "$W/keys" "$W/docs"
DB="$W/ledger.db"

# 1. A ledger and one key per organisation.
orechain ledger init --db "$DB" --origin example.invalid/pk-us --log-key "$W/keys/log.pem"
for org in registry pk-exporter pk-lab us-buyer us-lab ch-umpire certifier; do
  orechain ledger keygen --out "$W/keys/$org.pem"
done

# 2. Organisations (the registrar registers itself first, then the others) and sites.
R=(--db "$DB" --key "$W/keys/registry.pem")
orechain ledger org add registry --name "Example registry" --country USA --role registrar "${R[@]}"
orechain ledger org add pk-exporter --name "Example Pakistani exporter" --country PAK \
  --role miner --role processor --role shipper --actor registry --public-key "$W/keys/pk-exporter.pem" "${R[@]}"
orechain ledger org add pk-lab --name "Example laboratory, Karachi" --country PAK --role assayer \
  --actor registry --public-key "$W/keys/pk-lab.pem" "${R[@]}"
orechain ledger org add us-buyer --name "Example US refiner" --country USA \
  --role buyer --role processor --role shipper --actor registry --public-key "$W/keys/us-buyer.pem" "${R[@]}"
orechain ledger org add us-lab --name "Example laboratory, Houston" --country USA --role assayer \
  --actor registry --public-key "$W/keys/us-lab.pem" "${R[@]}"
orechain ledger org add ch-umpire --name "Example umpire laboratory" --country CHE --role assayer \
  --actor registry --public-key "$W/keys/ch-umpire.pem" "${R[@]}"
orechain ledger org add certifier --name "Example certification body" --country GBR --role certifier \
  --actor registry --public-key "$W/keys/certifier.pem" "${R[@]}"
X=(--db "$DB" --key "$W/keys/pk-exporter.pem")
orechain ledger site add pk-mine --name "Example REE mine" --kind mine --country PAK --operator pk-exporter "${X[@]}"
orechain ledger site add pk-conc --name "Example concentrator" --kind concentrator --country PAK --operator pk-exporter "${X[@]}"
orechain ledger site add pk-karachi --name "Example export warehouse, Port of Karachi" --kind warehouse \
  --country PAK --operator pk-exporter --lat 24.84 --lon 66.98 "${X[@]}"
B=(--db "$DB" --key "$W/keys/us-buyer.pem")
orechain ledger site add us-plant --name "Example separation plant" --kind separation-plant --country USA --operator us-buyer "${B[@]}"

# 3. Exporter: mine two ore lots, blend them, concentrate, split off the export lot.
orechain ledger extract PK-ORE-1 --site pk-mine --commodity "rare earths" --quantity-t 600 --grade REO=0.05 "${X[@]}"
orechain ledger extract PK-ORE-2 --site pk-mine --commodity "rare earths" --quantity-t 400 --grade REO=0.04 "${X[@]}"
orechain ledger merge --input PK-ORE-1 --input PK-ORE-2 --output PK-ORE-B=1000 --site pk-mine "${X[@]}"
orechain ledger ship PK-ORE-B --from pk-mine --to pk-conc --mode road --bl EX-CMR-0001 "${X[@]}"
orechain ledger receive PK-ORE-B --site pk-conc "${X[@]}"
orechain ledger transform --site pk-conc --stage beneficiation --input PK-ORE-B --output PK-CONC-1=100 \
  --product "REE concentrate" --grade REO=0.4 --loss tailings=900 "${X[@]}"
orechain ledger split PK-CONC-1 --site pk-conc --part PK-CONC-1A=60 --part PK-CONC-1B=40 "${X[@]}"
orechain ledger ship PK-CONC-1A --from pk-conc --to pk-karachi --mode road --bl EX-CMR-0002 "${X[@]}"
orechain ledger receive PK-CONC-1A --site pk-karachi "${X[@]}"

# 4. Documents: stored by SHA-256 beside the ledger, cited by the events that need them.
cat > "$W/docs/seller-assay.json" <<'DOC'
{"certificate": "EX-LAB-2026-0042", "lot": "PK-CONC-1A", "REO": 0.402, "method": "ICP-OES after fusion", "note": "ASSUMPTION: illustrative"}
DOC
cat > "$W/docs/origin.txt" <<'DOC'
Certificate of origin EX-COO-0007 (ASSUMPTION: illustrative). Goods: REE concentrate, lot PK-CONC-1A, 60 t. Origin: Pakistan.
DOC
cat > "$W/docs/invoice.csv" <<'DOC'
invoice,lot,quantity_t,incoterm,note
EX-INV-0311,PK-CONC-1A,60,FOB Karachi,ASSUMPTION: illustrative
DOC
cat > "$W/docs/bill-of-lading.json" <<'DOC'
{"bl": "EXBL-KHI-HOU-0001", "vessel": "EXAMPLE TRADER", "voyage": "042W", "pol": "PKKHI", "pod": "USHOU", "containers": ["MSKU9070323", "CAIU5560123"], "note": "ASSUMPTION: illustrative"}
DOC
cat > "$W/docs/buyer-assay.json" <<'DOC'
{"certificate": "EX-HOU-2026-0107", "lot": "PK-CONC-1A", "REO": 0.386, "note": "ASSUMPTION: illustrative"}
DOC
cat > "$W/docs/umpire-assay.json" <<'DOC'
{"certificate": "EX-UMP-2026-0003", "lot": "PK-CONC-1A", "REO": 0.395, "note": "ASSUMPTION: illustrative"}
DOC
SELLER=$(orechain ledger doc add "$W/docs/seller-assay.json" --kind assay-certificate -q --db "$DB")
COO=$(orechain ledger doc add "$W/docs/origin.txt" --kind certificate-of-origin -q --db "$DB")
INV=$(orechain ledger doc add "$W/docs/invoice.csv" --kind invoice -q --db "$DB")
BL=$(orechain ledger doc add "$W/docs/bill-of-lading.json" --kind bill-of-lading -q --db "$DB")
BUYER=$(orechain ledger doc add "$W/docs/buyer-assay.json" --kind assay-certificate -q --db "$DB")
UMPIRE=$(orechain ledger doc add "$W/docs/umpire-assay.json" --kind assay-certificate -q --db "$DB")

# 5. The seller's laboratory signs its assay; a certifier certifies origin; the sale is FOB Karachi.
orechain ledger assay PK-CONC-1A --grade REO=0.402 --laboratory "Example laboratory, Karachi" \
  --method "ICP-OES after fusion" --party seller --doc "$SELLER" --db "$DB" --key "$W/keys/pk-lab.pem"
orechain ledger certify PK-CONC-1A --scheme "Example responsible-sourcing scheme" --claim verified-origin \
  --doc "$COO" --db "$DB" --key "$W/keys/certifier.pem"
orechain ledger transfer PK-CONC-1A --to us-buyer --incoterm FOB --doc "$INV" "${X[@]}"

# 6. Buyer: ship by sea from Karachi to Houston, receive with the out-turn weight.
orechain ledger ship PK-CONC-1A --from pk-karachi --to us-plant --mode sea --bl EXBL-KHI-HOU-0001 \
  --vessel "EXAMPLE TRADER" --voyage 042W --port-of-loading PKKHI --port-of-discharge USHOU \
  --hs-code 2530.90 --incoterm FOB --container MSKU9070323:EXSEAL-001 --container CAIU5560123:EXSEAL-002 \
  --wet-t 61.2 --moisture 0.02 --doc "$BL" "${B[@]}"
orechain ledger receive PK-CONC-1A --site us-plant --wet-t 61.0 --moisture 0.021 "${B[@]}"

# 7. The buyer's laboratory disagrees beyond the 0.01 splitting limit: an umpire decides.
orechain ledger assay PK-CONC-1A --grade REO=0.386 --laboratory "Example laboratory, Houston" \
  --party buyer --doc "$BUYER" --db "$DB" --key "$W/keys/us-lab.pem"
orechain ledger assay PK-CONC-1A --grade REO=0.395 --laboratory "Example umpire laboratory" \
  --party umpire --splitting-limit REO=0.01 --doc "$UMPIRE" --db "$DB" --key "$W/keys/ch-umpire.pem"

# 8. A signed checkpoint, the lot's evidence pack, and its check offline by an auditor.
orechain ledger checkpoint --db "$DB" --log-key "$W/keys/log.pem"
orechain ledger vkey --db "$DB" > "$W/log.vkey"
orechain ledger pack PK-CONC-1A --out "$W/PK-CONC-1A.zip" --db "$DB"
orechain ledger verify-pack "$W/PK-CONC-1A.zip" --vkey "$W/log.vkey"

# 9. UNTP Digital Product Passport and traceability events, signed by the exporter.
orechain ledger untp PK-CONC-1A --key "$W/keys/pk-exporter.pem" --out "$W/untp" --db "$DB"
