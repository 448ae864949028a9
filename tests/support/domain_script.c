/* The scripted history of domain_script.h: the script itself and its token expansion and checks. */
#include "domain_script.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const ds_actor_def ds_actors[] = {
    {"county", AIDREG_ROLE_COUNTY, ""},        {"town", AIDREG_ROLE_TOWNSHIP, "100"},
    {"vA", AIDREG_ROLE_VILLAGE, "100201"},     {"vB", AIDREG_ROLE_VILLAGE, "100202"},
    {"vC", AIDREG_ROLE_VILLAGE, "200203"},     {"op", AIDREG_ROLE_OPERATOR, ""},
    {"op2", AIDREG_ROLE_OPERATOR, ""},         {"aud", AIDREG_ROLE_AUDITOR, ""},
    {"mnt", AIDREG_ROLE_VILLAGE, "200203"},
};

const ds_step ds_script[] = {
    /* 2023: the project and its assets. */
    {NULL, "county", "2023-06-01", "project.register", "P-2023-01",
     "{\"name\":\"2023年光伏扶贫项目\",\"type\":\"industry\",\"year\":2023,\"funding_lines\":[{\"channel\":\"衔接资金\","
     "\"year\":2023,\"amount_fen\":100000000},{\"channel\":\"社会帮扶\",\"year\":2023,\"amount_fen\":30000000}],"
     "\"locations\":[\"{VA}\",\"{VB}\"],\"industry_dept\":\"县农业农村局\",\"implementing_unit\":\"县乡村振兴局\","
     "\"accepted_on\":\"2023-05-10\"}",
     OK_, "project/P-2023-01 /funding_fen 130000000\nproject/P-2023-01 /assets 0"},
    {NULL, "county", "2023-06-01", "project.register", "P-2023-01",
     "{\"name\":\"x\",\"type\":\"industry\",\"year\":2023,\"funding_lines\":[{\"channel\":\"a\",\"year\":2023,"
     "\"amount_fen\":1}],\"locations\":[\"{VA}\"],\"industry_dept\":\"a\",\"implementing_unit\":\"b\"}",
     AIDREG_E_ALREADY_REGISTERED, NULL},
    {NULL, "county", "2023-06-02", "asset.register", "A-PV-01",
     "{\"project\":\"P-NOPE\",\"name\":\"x\",\"class\":\"operating\",\"subtype\":\"x\",\"form\":\"fixed\","
     "\"village\":\"{VA}\",\"original_value_fen\":1,\"quantity\":1,\"unit\":\"个\",\"completed_on\":\"2023-05-01\","
     "\"accepted_on\":\"2023-05-10\"}",
     AIDREG_E_PROJECT_UNKNOWN, NULL},
    {NULL, "vA", "2023-06-02", "asset.register", "A-PV-01", PV_REG("operating"), AIDREG_E_ROLE_NOT_ALLOWED, NULL},
    {"pvreg", "county", "2023-06-02", "asset.register", "A-PV-01", PV_REG("operating"), OK_,
     "asset/A-PV-01 /status \"in_use\"\nasset/A-PV-01 /shares/0/value_fen 48000000\n"
     "asset/A-PV-01 /shares/1/value_fen 32000000\nasset/A-PV-01 /village \"{VA}\"\nasset/A-PV-01 /township \"{T}\"\n"
     "project/P-2023-01 /assets 1"},
    {"roadreg", "county", "2023-06-02", "asset.register", "A-ROAD-01", ROAD_REG(""), OK_,
     "asset/A-ROAD-01 /class \"public_welfare\"\nproject/P-2023-01 /assets 2"},
    {NULL, "county", "2023-06-02", "asset.register", "A-COW-01",
     "{\"project\":\"P-2023-01\",\"name\":\"能繁母牛\",\"class\":\"household\",\"subtype\":\"牲畜\",\"form\":\"biological\","
     "\"village\":\"{VB}\",\"original_value_fen\":3000000,\"quantity\":3,\"unit\":\"头\",\"completed_on\":\"2023-05-01\","
     "\"accepted_on\":\"2023-05-10\"}",
     OK_, NULL},
    {NULL, "county", "2023-06-02", "asset.register", "A-GH-01",
     "{\"project\":\"P-2023-01\",\"name\":\"蔬菜大棚\",\"class\":\"operating\",\"subtype\":\"设施农业\",\"form\":\"fixed\","
     "\"village\":\"{VA}\",\"original_value_fen\":20000000,\"quantity\":4,\"unit\":\"栋\",\"completed_on\":\"2023-05-01\","
     "\"accepted_on\":\"2023-05-10\"}",
     OK_, NULL},
    {NULL, "county", "2023-06-03", "asset.register", "A-PV-01", PV_REG("operating"), AIDREG_E_ALREADY_REGISTERED, NULL},
    {NULL, "county", "2023-06-03", "allocation.plan", "A-PV-01", PLAN("{VA}", "2023", "[{\"income\":\"" H0 "\",\"amount_fen\":1}]",
     "[{\"purpose\":\"other\",\"description\":\"x\",\"amount_fen\":1}]", STEPS4("2023-06-01")),
     AIDREG_E_ROLE_NOT_ALLOWED, NULL},
    {NULL, "vA", "2023-06-03", "allocation.plan", "A-PV-01", PLAN("{VA}", "2023", "[{\"income\":\"" H0 "\",\"amount_fen\":1}]",
     "[{\"purpose\":\"other\",\"description\":\"x\",\"amount_fen\":1}]", STEPS4("2023-06-01")),
     AIDREG_E_ALREADY_REGISTERED, NULL},
    {NULL, "vA", "2023-06-05", "asset.status", "A-NONE", "{\"status\":\"idle\",\"reason\":\"x\"}",
     AIDREG_E_ASSET_UNKNOWN, NULL},
    {NULL, "vC", "2023-06-05", "asset.status", "A-ROAD-01", "{\"status\":\"idle\",\"reason\":\"x\"}",
     AIDREG_E_OUT_OF_SCOPE, NULL},
    {NULL, "county", "2023-06-10", "asset.rights", "A-PV-01",
     "{\"owners\":[{\"kind\":\"village_collective\",\"id\":\"{VA}\",\"name\":\"甲村股份经济合作社\",\"share_bp\":6000},"
     "{\"kind\":\"village_collective\",\"id\":\"{VB}\",\"name\":\"乙村股份经济合作社\",\"share_bp\":4000}],"
     "\"certificate_no\":\"确-2023-001\",\"confirmed_on\":\"2023-06-10\"}",
     OK_, "asset/A-PV-01 /certificate_no \"确-2023-001\"\nasset/A-PV-01 /owners/1/share_bp 4000"},
    {NULL, "town", "2023-06-12", "asset.handover", "A-PV-01",
     "{\"from_unit\":\"县乡村振兴局\",\"to\":\"nobody\",\"handed_over_on\":\"2023-06-12\",\"documents_sha256\":[]}",
     AIDREG_E_OWNER_UNKNOWN, NULL},
    {NULL, "town", "2023-06-12", "asset.handover", "A-PV-01",
     "{\"from_unit\":\"县乡村振兴局\",\"to\":\"{VA}\",\"handed_over_on\":\"2023-06-12\",\"documents_sha256\":[" SHA "]}",
     OK_, "asset/A-PV-01 /handover/to \"{VA}\""},
    {NULL, "vA", "2023-06-15", "asset.operator", "A-PV-01",
     "{\"mode\":\"entrusted\",\"operator\":{\"name\":\"县光伏运维公司\",\"kind\":\"enterprise\",\"key\":\"{key:op}\"},"
     "\"contract\":{\"no\":\"HT-01\",\"start\":\"2023-07-01\",\"end\":\"2033-06-30\",\"agreed_return_fen_per_year\":1800000},"
     "\"decided_on\":\"2023-06-15\",\"filed_with\":\"乡政府\"}",
     OK_, "asset/A-PV-01 /operator/mode \"entrusted\""},
    {NULL, "county", "2023-06-15", "asset.maintainer", "A-ROAD-01",
     "{\"body\":\"甲村村委会\",\"person\":\"李四\",\"duties\":\"日常巡查\",\"fund_source\":\"村集体\",\"from\":\"2023-07-01\","
     "\"key\":\"{key:mnt}\"}",
     OK_, "asset/A-ROAD-01 /maintainer/person \"李四\""},
    /* Income, 2023 H2: operators only on the assets they run; income only for operating assets. */
    {NULL, "op2", "2024-01-05", "income.report", "A-PV-01", INCOME("2023-07-01", "2023-12-31", "1000001", "100000", "900001", "2024-01-05"),
     AIDREG_E_OUT_OF_SCOPE, NULL},
    {NULL, "op", "2024-01-05", "income.report", "A-ROAD-01", INCOME("2023-07-01", "2023-12-31", "1000", "0", "1000", "2024-01-05"),
     AIDREG_E_OUT_OF_SCOPE, NULL},
    {NULL, "county", "2024-01-05", "income.report", "A-ROAD-01", INCOME("2023-07-01", "2023-12-31", "1000", "0", "1000", "2024-01-05"),
     AIDREG_E_INCOME_NOT_OPERATING, NULL},
    {NULL, "op", "2024-01-05", "income.report", "A-PV-01", INCOME("2023-07-01", "2023-12-31", "1000001", "100000", "900000", "2024-01-05"),
     AIDREG_E_NET_MISMATCH, NULL},
    {"inc1", "op", "2024-01-05", "income.report", "A-PV-01", INCOME("2023-07-01", "2023-12-31", "1000001", "100000", "900001", "2024-01-05"),
     OK_,
     "asset/A-PV-01 /income/net_fen 900001\nasset/A-PV-01 /income/gross_fen 1000001\nasset/A-PV-01 /income/costs_fen 100000\n"
     "asset/A-PV-01 /shares/0/net_fen 540001\nasset/A-PV-01 /shares/1/net_fen 360000\n"
     "asset/A-PV-01 /shares/0/gross_fen 600001\nasset/A-PV-01 /income/unallocated_fen 900001"},
    /* Plans of 2024. */
    {NULL, "vA", "2024-02-01", "allocation.plan", "PL-2024-A1",
     PLAN("{VA}", "2024", "[{\"income\":\"$inc1\",\"amount_fen\":540002}]",
          "[{\"purpose\":\"public_jobs\",\"description\":\"护路员\",\"amount_fen\":540002}]", STEPS4("2024-01-20")),
     AIDREG_E_INCOME_OVERDRAWN, NULL},
    {NULL, "vA", "2024-02-01", "allocation.plan", "PL-2024-A1",
     PLAN("{VA}", "2024", "[{\"income\":\"$inc1\",\"amount_fen\":500000}]",
          "[{\"purpose\":\"public_jobs\",\"description\":\"护路员\",\"amount_fen\":500000}]",
          "[{\"step\":\"proposal\",\"date\":\"2024-01-20\",\"minutes_sha256\":" SHA "}]"),
     AIDREG_E_PLAN_STEPS_MISSING, NULL},
    {NULL, "vA", "2024-02-01", "allocation.plan", "PL-2024-A1",
     PLAN("{VB}", "2024", "[{\"income\":\"$inc1\",\"amount_fen\":500000}]",
          "[{\"purpose\":\"public_jobs\",\"description\":\"护路员\",\"amount_fen\":500000}]", STEPS4("2024-01-20")),
     AIDREG_E_OUT_OF_SCOPE, NULL},
    {NULL, "vC", "2024-02-01", "allocation.plan", "PL-2024-C1",
     PLAN("{VC}", "2024", "[{\"income\":\"$inc1\",\"amount_fen\":1}]",
          "[{\"purpose\":\"other\",\"description\":\"x\",\"amount_fen\":1}]", STEPS4("2024-01-20")),
     AIDREG_E_INCOME_NOT_OF_VILLAGE, NULL},
    {NULL, "vA", "2024-02-01", "allocation.plan", "PL-2024-A1",
     PLAN("{VA}", "2024", "[{\"income\":\"" H0 "\",\"amount_fen\":1}]",
          "[{\"purpose\":\"other\",\"description\":\"x\",\"amount_fen\":1}]", STEPS4("2024-01-20")),
     AIDREG_E_INCOME_UNKNOWN, NULL},
    {NULL, "vA", "2024-02-01", "allocation.plan", "{VA}",
     PLAN("{VA}", "2024", "[{\"income\":\"$inc1\",\"amount_fen\":1}]",
          "[{\"purpose\":\"other\",\"description\":\"x\",\"amount_fen\":1}]", STEPS4("2024-01-20")),
     AIDREG_E_ALREADY_REGISTERED, NULL},
    {"planA1", "vA", "2024-02-01", "allocation.plan", "PL-2024-A1",
     PLAN("{VA}", "2024", "[{\"income\":\"$inc1\",\"amount_fen\":500000}]",
          "[{\"purpose\":\"public_jobs\",\"description\":\"护路员\",\"amount_fen\":300000},"
          "{\"purpose\":\"small_public_works\",\"description\":\"修水渠\",\"amount_fen\":200000}]",
          STEPS4("2024-01-20")),
     OK_,
     "plan/PL-2024-A1 /state \"drafted\"\nasset/A-PV-01 /income/allocated_fen 500000\n"
     "asset/A-PV-01 /shares/0/allocated_fen 500000\nasset/A-PV-01 /income/unallocated_fen 400001\n"
     "plan/PL-2024-A1 /township \"{T}\""},
    {NULL, "vB", "2024-02-02", "allocation.plan", "PL-2024-B1",
     PLAN("{VB}", "2024", "[{\"income\":\"$inc1\",\"amount_fen\":360000}]",
          "[{\"purpose\":\"awards_aid\",\"description\":\"奖补\",\"amount_fen\":360000}]", STEPS4("2024-01-21")),
     OK_, "asset/A-PV-01 /shares/1/unallocated_fen 0"},
    {NULL, "vB", "2024-02-03", "allocation.plan", "PL-2024-B2",
     PLAN("{VB}", "2024", "[{\"income\":\"$inc1\",\"amount_fen\":1}]",
          "[{\"purpose\":\"other\",\"description\":\"x\",\"amount_fen\":1}]", STEPS4("2024-01-21")),
     AIDREG_E_INCOME_OVERDRAWN, NULL},
    {NULL, "town", "2024-02-05", "allocation.filed", "PL-2024-A1", "{\"note\":\"备案\"}", AIDREG_E_ROLE_NOT_ALLOWED, NULL},
    {NULL, "county", "2024-02-05", "allocation.filed", "PL-2024-A1", "{\"note\":\"备案\"}", AIDREG_E_PLAN_STATE, NULL},
    {NULL, "vA", "2024-02-05", "allocation.payout", "PL-2024-A1", PAYOUT("0", "1", "2024-02-05"), AIDREG_E_PLAN_STATE, NULL},
    {NULL, "town", "2024-02-05", "allocation.review", "PL-NONE", "{\"decision\":\"approved\",\"note\":\"x\"}",
     AIDREG_E_PLAN_UNKNOWN, NULL},
    {NULL, "town", "2024-02-06", "allocation.review", "PL-2024-A1", "{\"decision\":\"returned\",\"note\":\"用途不明确\"}",
     OK_, "plan/PL-2024-A1 /state \"returned\""},
    {NULL, "town", "2024-02-07", "allocation.review", "PL-2024-A1", "{\"decision\":\"approved\",\"note\":\"同意\"}",
     AIDREG_E_PLAN_STATE, NULL},
    {NULL, "vA", "2024-02-10", "correction", "PL-2024-A1",
     CORR("$planA1", ",\"body\":" PLAN("{VA}", "2024", "[{\"income\":\"$inc1\",\"amount_fen\":540002}]",
                                       "[{\"purpose\":\"public_jobs\",\"description\":\"护路员\",\"amount_fen\":540002}]",
                                       STEPS4("2024-02-09"))),
     AIDREG_E_INCOME_OVERDRAWN, NULL},
    {"planA1c", "vA", "2024-02-10", "correction", "PL-2024-A1",
     CORR("$planA1", ",\"body\":" PLAN("{VA}", "2024", "[{\"income\":\"$inc1\",\"amount_fen\":540001}]",
                                       "[{\"purpose\":\"public_jobs\",\"description\":\"护路员\",\"amount_fen\":340001},"
                                       "{\"purpose\":\"small_public_works\",\"description\":\"修水渠\",\"amount_fen\":200000}]",
                                       STEPS4("2024-02-09"))),
     OK_,
     "plan/PL-2024-A1 /state \"drafted\"\nplan/PL-2024-A1 /total_fen 540001\nasset/A-PV-01 /income/allocated_fen 900001\n"
     "asset/A-PV-01 /income/unallocated_fen 0\nplan/PL-2024-A1 /review null"},
    {NULL, "vA", "2024-02-10", "correction", "PL-2024-A1", CORR("$planA1", ""), AIDREG_E_CORRECTION_TARGET, NULL},
    {NULL, "town", "2024-02-12", "allocation.review", "PL-2024-A1", "{\"decision\":\"approved\",\"note\":\"同意\"}", OK_,
     "plan/PL-2024-A1 /state \"reviewed\""},
    {NULL, "county", "2024-02-14", "allocation.filed", "PL-2024-A1", "{\"note\":\"已备案\"}", OK_,
     "plan/PL-2024-A1 /state \"filed\""},
    {NULL, "vA", "2024-03-01", "notice.publish", "PL-2024-A1", NOTICE("allocation", "2024-03-01", "2024-03-06"),
     AIDREG_E_PUBLICITY_TOO_SHORT, NULL},
    {NULL, "vA", "2024-03-01", "notice.publish", "PL-2024-A1", NOTICE("income", "2024-03-01", "2024-03-07"),
     AIDREG_E_NOTICE_KIND, NULL},
    {NULL, "vA", "2024-03-01", "notice.publish", "P-2023-01", NOTICE("assets", "2024-03-01", "2024-03-07"),
     AIDREG_E_SUBJECT_UNKNOWN, NULL},
    {NULL, "vA", "2024-03-01", "notice.publish", "PL-2024-A1", NOTICE("allocation", "2024-03-01", "2024-03-07"), OK_,
     "plan/PL-2024-A1 /state \"publicised\"\nplan/PL-2024-A1 /notice/end \"2024-03-07\""},
    {NULL, "vA", "2024-03-07", "allocation.payout", "PL-2024-A1", PAYOUT("0", "100", "2024-03-07"),
     AIDREG_E_PAYOUT_TOO_EARLY, NULL},
    {NULL, "vA", "2024-03-08", "allocation.payout", "PL-2024-A1", PAYOUT("5", "100", "2024-03-08"),
     AIDREG_E_PAYOUT_LINE_UNKNOWN, NULL},
    {NULL, "vA", "2024-03-08", "allocation.payout", "PL-2024-A1", PAYOUT("0", "340002", "2024-03-08"),
     AIDREG_E_PAYOUT_EXCEEDS_LINE, NULL},
    {NULL, "vA", "2024-03-08", "allocation.payout", "PL-2024-A1", PAYOUT("0", "200000", "2024-03-08"), OK_,
     "plan/PL-2024-A1 /state \"paying\"\nplan/PL-2024-A1 /lines/0/paid_fen 200000\n"
     "plan/PL-2024-A1 /lines/0/remaining_fen 140001\nplan/PL-2024-A1 /paid_fen 200000"},
    {NULL, "vA", "2024-03-09", "correction", "PL-2024-A1", CORR("$planA1c", ""), AIDREG_E_PLAN_NOT_CORRECTABLE, NULL},
    {NULL, "vA", "2024-03-09", "allocation.payout", "PL-2024-A1", PAYOUT("0", "140001", "2024-03-09"), OK_,
     "plan/PL-2024-A1 /state \"paying\""},
    {"po3", "vA", "2024-03-10", "allocation.payout", "PL-2024-A1", PAYOUT("1", "200000", "2024-03-10"), OK_,
     "plan/PL-2024-A1 /state \"closed\"\nplan/PL-2024-A1 /remaining_fen 0"},
    {NULL, "vA", "2024-03-11", "allocation.payout", "PL-2024-A1", PAYOUT("1", "1", "2024-03-11"), AIDREG_E_PLAN_STATE, NULL},
    /* A payout corrected after the plan closed: the plan is paying again. */
    {NULL, "vA", "2024-03-12", "correction", "PL-2024-A1", CORR("$po3", ",\"body\":" PAYOUT("1", "150000", "2024-03-10")),
     OK_, "plan/PL-2024-A1 /state \"paying\"\nplan/PL-2024-A1 /lines/1/remaining_fen 50000"},
    {NULL, "vA", "2024-03-12", "allocation.payout", "PL-2024-A1", PAYOUT("1", "50000", "2024-03-12"), OK_,
     "plan/PL-2024-A1 /state \"closed\""},
    /* Maintenance: the named maintainer reports whatever its scope; others are refused. */
    {NULL, "mnt", "2024-03-15", "maintenance.report", "A-ROAD-01",
     "{\"kind\":\"repair\",\"date\":\"2024-03-15\",\"condition\":\"needs_repair\",\"cost_fen\":12000,\"paid_from\":\"maintenance_fund\","
     "\"note\":\"补坑\",\"photos_sha256\":[]}",
     OK_, "asset/A-ROAD-01 /condition \"needs_repair\"\nasset/A-ROAD-01 /maintenance_cost_fen 12000"},
    {NULL, "mnt", "2024-03-15", "maintenance.report", "A-PV-01",
     "{\"kind\":\"repair\",\"date\":\"2024-03-15\",\"condition\":\"good\",\"cost_fen\":0,\"paid_from\":\"other\","
     "\"note\":\"x\",\"photos_sha256\":[]}",
     AIDREG_E_OUT_OF_SCOPE, NULL},
    {NULL, "aud", "2024-03-15", "maintenance.report", "A-ROAD-01",
     "{\"kind\":\"inspection\",\"date\":\"2024-03-15\",\"condition\":\"good\",\"cost_fen\":0,\"paid_from\":\"other\","
     "\"note\":\"x\",\"photos_sha256\":[]}",
     AIDREG_E_ROLE_NOT_ALLOWED, NULL},
    {NULL, "vA", "2024-04-01", "maintenance.report", "A-ROAD-01",
     "{\"kind\":\"inspection\",\"date\":\"2024-04-01\",\"condition\":\"good\",\"cost_fen\":0,\"paid_from\":\"other\","
     "\"note\":\"巡查\",\"photos_sha256\":[]}",
     OK_, "asset/A-ROAD-01 /last_inspection \"2024-04-01\"\nasset/A-ROAD-01 /condition \"good\""},
    {"mntr", "mnt", "2024-04-02", "maintenance.report", "A-ROAD-01",
     "{\"kind\":\"inspection\",\"date\":\"2024-03-20\",\"condition\":\"damaged\",\"cost_fen\":0,\"paid_from\":\"other\","
     "\"note\":\"补录\",\"photos_sha256\":[]}",
     OK_, "asset/A-ROAD-01 /last_inspection \"2024-04-01\"\nasset/A-ROAD-01 /condition \"good\""},
    /* The maintainer (a village key) may not erase the county's inspection (issue 9, item 1):
     * a correction needs the original signer's role or above; it corrects its own report. */
    {"cinsp", "county", "2024-04-03", "maintenance.report", "A-ROAD-01",
     "{\"kind\":\"inspection\",\"date\":\"2024-03-25\",\"condition\":\"damaged\",\"cost_fen\":0,\"paid_from\":\"other\","
     "\"note\":\"县级抽查\",\"photos_sha256\":[]}",
     OK_, "asset/A-ROAD-01 /last_inspection \"2024-04-01\""},
    {NULL, "mnt", "2024-04-04", "correction", "A-ROAD-01",
     CORR("$cinsp", ",\"body\":{\"kind\":\"inspection\",\"date\":\"2024-03-25\",\"condition\":\"good\",\"cost_fen\":0,"
                    "\"paid_from\":\"other\",\"note\":\"县级抽查\",\"photos_sha256\":[]}"),
     AIDREG_E_ROLE_NOT_ALLOWED, NULL},
    {NULL, "mnt", "2024-04-04", "correction", "A-ROAD-01", CORR("$cinsp", ""), AIDREG_E_ROLE_NOT_ALLOWED, NULL},
    {NULL, "mnt", "2024-04-05", "correction", "A-ROAD-01",
     CORR("$mntr", ",\"body\":{\"kind\":\"inspection\",\"date\":\"2024-03-21\",\"condition\":\"damaged\",\"cost_fen\":0,"
                   "\"paid_from\":\"other\",\"note\":\"补录\",\"photos_sha256\":[]}"),
     OK_, "asset/A-ROAD-01 /last_inspection \"2024-04-01\""},
    {NULL, "vA", "2024-05-01", "inventory.count", "A-ROAD-01",
     "{\"date\":\"2024-05-01\",\"found\":true,\"condition\":\"damaged\",\"note\":\"暴雨冲毁\",\"photos_sha256\":[]}", OK_,
     "asset/A-ROAD-01 /condition \"damaged\"\nasset/A-ROAD-01 /inventory/found true"},
    {NULL, "vA", "2024-05-02", "asset.status", "A-ROAD-01",
     "{\"status\":\"damaged\",\"reason\":\"暴雨\",\"remediation_due\":\"2024-12-31\"}", OK_,
     "asset/A-ROAD-01 /status \"damaged\""},
    /* The disposal chain. */
    {NULL, "vB", "2024-06-01", "disposal.complete", "A-COW-01", COMPLETE("{VB}", "2024-06-01"),
     AIDREG_E_DISPOSAL_NOT_APPROVED, NULL},
    {"req1", "vB", "2024-06-01", "disposal.request", "A-COW-01", REQUEST("scrap", "2024-06-01"), OK_,
     "asset/A-COW-01 /disposal/state \"requested\""},
    {NULL, "county", "2024-06-05", "disposal.approve", "A-COW-01",
     "{\"request\":\"" H0 "\",\"decision\":\"approved\",\"conditions\":\"\"}", AIDREG_E_DISPOSAL_REQUEST_UNKNOWN, NULL},
    {NULL, "county", "2024-06-05", "disposal.approve", "A-COW-01",
     "{\"request\":\"$req1\",\"decision\":\"rejected\",\"conditions\":\"补充评估\"}", OK_,
     "asset/A-COW-01 /disposal/state \"rejected\""},
    {NULL, "county", "2024-06-06", "disposal.approve", "A-COW-01",
     "{\"request\":\"$req1\",\"decision\":\"approved\",\"conditions\":\"\"}", AIDREG_E_DISPOSAL_DECIDED, NULL},
    {NULL, "vB", "2024-06-07", "disposal.complete", "A-COW-01", COMPLETE("{VB}", "2024-06-07"),
     AIDREG_E_DISPOSAL_NOT_APPROVED, NULL},
    {"req2", "vB", "2024-06-10", "disposal.request", "A-COW-01", REQUEST("scrap", "2024-06-10"), OK_, NULL},
    {NULL, "county", "2024-06-12", "disposal.approve", "A-COW-01",
     "{\"request\":\"$req2\",\"decision\":\"approved\",\"conditions\":\"残值归村集体\"}", OK_,
     "asset/A-COW-01 /disposal/state \"approved\"\nasset/A-COW-01 /status \"in_use\""},
    {NULL, "vB", "2024-06-15", "disposal.complete", "A-COW-01", COMPLETE("nobody", "2024-06-15"),
     AIDREG_E_OWNER_UNKNOWN, NULL},
    {NULL, "vB", "2024-06-15", "disposal.complete", "A-COW-01", COMPLETE("{VB}", "2024-06-15"), OK_,
     "asset/A-COW-01 /status \"disposed\"\nasset/A-COW-01 /disposal/completed/method \"scrap\""},
    {NULL, "vB", "2024-06-16", "asset.status", "A-COW-01", "{\"status\":\"in_use\",\"reason\":\"x\"}",
     AIDREG_E_ASSET_DISPOSED, NULL},
    {"f1", "aud", "2024-06-20", "finding.record", "A-COW-01",
     "{\"check\":\"disposal-proceeds\",\"severity\":\"info\",\"note\":\"残值收入待入账\",\"due\":\"2024-07-31\"}", OK_,
     "asset/A-COW-01 /findings_open 1"},
    {NULL, "vB", "2024-06-25", "finding.resolve", "A-COW-01",
     "{\"finding\":\"$f1\",\"action\":\"已入账\",\"resolved_on\":\"2024-06-25\"}", OK_, "asset/A-COW-01 /findings_open 0"},
    {NULL, "vB", "2024-06-26", "finding.resolve", "A-COW-01",
     "{\"finding\":\"$f1\",\"action\":\"已入账\",\"resolved_on\":\"2024-06-26\"}", AIDREG_E_FINDING_RESOLVED, NULL},
    {NULL, "vB", "2024-06-26", "finding.resolve", "A-COW-01",
     "{\"finding\":\"" H0 "\",\"action\":\"x\",\"resolved_on\":\"2024-06-26\"}", AIDREG_E_FINDING_UNKNOWN, NULL},
    /* Suspension sets idle; conversion keeps in use. */
    {"gh1", "vA", "2024-07-01", "disposal.request", "A-GH-01",
     "{\"trigger\":\"poor_performance\",\"method\":\"suspension\",\"valuation_fen\":0,\"decided_on\":\"2024-07-01\"}", OK_, NULL},
    {NULL, "county", "2024-07-05", "disposal.approve", "A-GH-01", "{\"request\":\"$gh1\",\"decision\":\"approved\",\"conditions\":\"\"}",
     OK_, NULL},
    {NULL, "vA", "2024-07-06", "disposal.complete", "A-GH-01", COMPLETE("{VA}", "2024-07-06"), OK_,
     "asset/A-GH-01 /status \"idle\""},
    {"gh2", "vA", "2024-08-01", "disposal.request", "A-GH-01",
     "{\"trigger\":\"poor_performance\",\"method\":\"conversion\",\"valuation_fen\":0,\"decided_on\":\"2024-08-01\"}", OK_, NULL},
    {NULL, "county", "2024-08-02", "disposal.approve", "A-GH-01", "{\"request\":\"$gh2\",\"decision\":\"approved\",\"conditions\":\"\"}",
     OK_, NULL},
    {NULL, "vA", "2024-08-03", "disposal.complete", "A-GH-01", COMPLETE("{VA}", "2024-08-03"), OK_,
     "asset/A-GH-01 /status \"in_use\"\nasset/A-GH-01 /disposal/state \"completed\""},
    {NULL, "vA", "2024-08-04", "disposal.complete", "A-GH-01", COMPLETE("{VA}", "2024-08-04"),
     AIDREG_E_DISPOSAL_NOT_APPROVED, NULL},
    /* 2024 H1 income; a correction may not leave it drawn beyond its net. */
    {"inc2", "op", "2024-07-10", "income.report", "A-PV-01", INCOME("2024-01-01", "2024-06-30", "800000", "50000", "750000", "2024-07-10"),
     OK_, "asset/A-PV-01 /income/net_fen 1650001\nasset/A-PV-01 /shares/1/net_fen 660000"},
    {NULL, "vB", "2024-07-20", "allocation.plan", "PL-2024-B2",
     PLAN("{VB}", "2024", "[{\"income\":\"$inc2\",\"amount_fen\":300000}]",
          "[{\"purpose\":\"o_and_m\",\"description\":\"运维\",\"amount_fen\":300000}]", STEPS4("2024-07-15")),
     OK_, "asset/A-PV-01 /shares/1/unallocated_fen 0"},
    {NULL, "op", "2024-07-25", "correction", "A-PV-01",
     CORR("$inc2", ",\"body\":" INCOME("2024-01-01", "2024-06-30", "700000", "50000", "650000", "2024-07-10")),
     AIDREG_E_INCOME_OVERDRAWN, NULL},
    {"inc2c", "op", "2024-07-25", "correction", "A-PV-01",
     CORR("$inc2", ",\"body\":" INCOME("2024-01-01", "2024-06-30", "900000", "50000", "850000", "2024-07-10")),
     OK_,
     "asset/A-PV-01 /income/net_fen 1750001\nasset/A-PV-01 /shares/1/net_fen 700000\n"
     "asset/A-PV-01 /shares/1/unallocated_fen 40000\nasset/A-PV-01 /income/reports 2"},
    {NULL, "op", "2024-07-26", "correction", "A-PV-01", CORR("$inc2", ""), AIDREG_E_CORRECTION_TARGET, NULL},
    {NULL, "vA", "2024-07-26", "correction", "A-PV-01", CORR("$inc1", ""), AIDREG_E_INCOME_OVERDRAWN, NULL},
    {NULL, "county", "2024-07-27", "correction", "A-PV-01", CORR("$pvreg", ",\"body\":" PV_REG("public_welfare")),
     AIDREG_E_CORRECTION_BREAKS, NULL},
    {NULL, "vA", "2024-07-27", "correction", "A-ROAD-01", CORR("$roadreg", ",\"body\":" ROAD_REG(",\"description\":\"硬化\"")),
     AIDREG_E_ROLE_NOT_ALLOWED, NULL},
    {NULL, "county", "2024-07-27", "correction", "A-ROAD-01", CORR("$roadreg", ",\"body\":" ROAD_REG(",\"description\":\"硬化\"")),
     OK_,
     "asset/A-ROAD-01 /description \"硬化\"\nasset/A-ROAD-01 /status \"damaged\"\nasset/A-ROAD-01 /last_inspection "
     "\"2024-04-01\"\nproject/P-2023-01 /assets 4"},
    {NULL, "county", "2024-07-27", "correction", "{C}", CORR("$pvreg", ""), AIDREG_E_CORRECTION_SUBJECT, NULL},
    {NULL, "county", "2024-07-27", "correction", "A-GH-01", CORR(H0, ""), AIDREG_E_CORRECTION_TARGET, NULL},
    /* Settings: publicity days from 7 to 10, then back to the defaults. */
    {NULL, "county", "2025-01-02", "ledger.settings", "{C}", "{\"publicity_days\":10}", OK_, NULL},
    {"planB3", "vB", "2025-01-05", "allocation.plan", "PL-2025-B3",
     PLAN("{VB}", "2025", "[{\"income\":\"$inc2\",\"amount_fen\":40000}]",
          "[{\"purpose\":\"public_jobs\",\"description\":\"保洁员\",\"amount_fen\":40000}]", STEPS4("2025-01-04")),
     OK_, "asset/A-PV-01 /shares/1/unallocated_fen 0"},
    {NULL, "town", "2025-01-06", "allocation.review", "PL-2025-B3", "{\"decision\":\"approved\",\"note\":\"\"}", OK_, NULL},
    {NULL, "county", "2025-01-07", "allocation.filed", "PL-2025-B3", "{\"note\":\"\"}", OK_, NULL},
    {NULL, "vB", "2025-01-08", "notice.publish", "PL-2025-B3", NOTICE("allocation", "2025-01-08", "2025-01-14"),
     AIDREG_E_PUBLICITY_TOO_SHORT, NULL},
    /* Withdrawn while filed: its draw goes back to the income. */
    {NULL, "vB", "2025-01-09", "correction", "PL-2025-B3", CORR("$planB3", ""), OK_,
     "plan/PL-2025-B3 /state \"withdrawn\"\nasset/A-PV-01 /shares/1/unallocated_fen 40000"},
    {NULL, "vB", "2025-01-10", "allocation.payout", "PL-2025-B3", PAYOUT("0", "1", "2025-01-10"), AIDREG_E_PLAN_STATE, NULL},
    {NULL, "county", "2025-01-11", "ledger.settings", "{C}", "{}", OK_, NULL},
    /* Village notices and findings. */
    {NULL, "vA", "2025-01-12", "notice.publish", "{VA}", NOTICE("annual", "2025-01-12", "2025-01-18"), OK_,
     "village/{VA} /notices/0/kind \"annual\""},
    {"f2", "aud", "2025-01-20", "finding.record", "{VA}",
     "{\"check\":\"annual-notice\",\"severity\":\"warning\",\"note\":\"公示内容不全\",\"due\":\"2025-03-31\"}", OK_,
     "village/{VA} /findings_open 1"},
    {NULL, "vB", "2025-01-21", "finding.resolve", "{VA}",
     "{\"finding\":\"$f2\",\"action\":\"x\",\"resolved_on\":\"2025-01-21\"}", AIDREG_E_OUT_OF_SCOPE, NULL},
    {NULL, "county", "2025-01-21", "correction", "{VA}", CORR("$f2", ""), OK_, "village/{VA} /findings_open 0"},
};

static const char *ds_ref_of(const ds_ctx *c, const char *label, size_t n) {
  for (size_t i = 0; i < c->nlabels; i++)
    if (strlen(c->labels[i]) == n && strncmp(c->labels[i], label, n) == 0) return c->refs[i];
  return NULL;
}

void ds_set_ref(ds_ctx *c, const char *label, const char *ref) {
  if (!label) return;
  for (size_t i = 0; i < c->nlabels; i++)
    if (strcmp(c->labels[i], label) == 0) {
      snprintf(c->refs[i], sizeof c->refs[i], "%s", ref);
      return;
    }
  snprintf(c->labels[c->nlabels], sizeof c->labels[0], "%s", label);
  snprintf(c->refs[c->nlabels++], sizeof c->refs[0], "%s", ref);
}

int ds_actor(const char *name) {
  for (size_t i = 0; i < DS_NACTORS; i++)
    if (strcmp(ds_actors[i].name, name) == 0) return (int)i;
  return -1;
}

char *ds_expand(const ds_ctx *c, const char *in) {
  size_t cap = strlen(in) * 2 + 4096, n = 0;
  char *out = malloc(cap);
  if (!out) return NULL;
  for (const char *s = in; *s;) {
    char add[128] = "";
    size_t skip = 1;
    if (*s == '{' && strncmp(s, "{C}", 3) == 0) snprintf(add, sizeof add, "%s", c->county), skip = 3;
    else if (*s == '{' && strncmp(s, "{T}", 3) == 0) snprintf(add, sizeof add, "%s100", c->county), skip = 3;
    else if (*s == '{' && strncmp(s, "{VA}", 4) == 0) snprintf(add, sizeof add, "%s100201", c->county), skip = 4;
    else if (*s == '{' && strncmp(s, "{VB}", 4) == 0) snprintf(add, sizeof add, "%s100202", c->county), skip = 4;
    else if (*s == '{' && strncmp(s, "{VC}", 4) == 0) snprintf(add, sizeof add, "%s200203", c->county), skip = 4;
    else if (*s == '{' && strncmp(s, "{key:", 5) == 0) {
      const char *e = strchr(s, '}');
      char name[32];
      snprintf(name, sizeof name, "%.*s", (int)(e - s - 5), s + 5);
      int a = ds_actor(name);
      snprintf(add, sizeof add, "%s", a >= 0 ? c->keyids[a] : "?");
      skip = (size_t)(e - s) + 1;
    } else if (*s == '$' && isalnum((unsigned char)s[1])) {
      size_t len = 1;
      while (isalnum((unsigned char)s[len])) len++;
      const char *ref = ds_ref_of(c, s + 1, len - 1);
      snprintf(add, sizeof add, "%s", ref ? ref : H0);
      skip = len;
    } else {
      add[0] = *s;
      add[1] = 0;
    }
    size_t l = strlen(add);
    if (n + l + 1 > cap) break;
    memcpy(out + n, add, l);
    n += l;
    s += skip;
  }
  out[n] = 0;
  return out;
}

void ds_time(const char *date, char out[40]) { snprintf(out, 40, "%sT12:00:00+08:00", date); }

static const json_t *ds_pointer(const json_t *doc, const char *ptr) {
  const json_t *cur = doc;
  char seg[128];
  while (cur && *ptr == '/') {
    const char *e = strchr(ptr + 1, '/');
    size_t n = e ? (size_t)(e - ptr - 1) : strlen(ptr + 1);
    snprintf(seg, sizeof seg, "%.*s", (int)n, ptr + 1);
    cur = json_is_array(cur) ? json_array_get(cur, strtoul(seg, NULL, 10)) : json_object_get(cur, seg);
    ptr += n + 1;
  }
  return cur;
}

int ds_checks(const ds_ctx *c, const char *checks, json_t *(*get)(void *ctx, const char *kind, const char *id),
                     void *ctx, size_t step) {
  if (!checks) return 0;
  char *all = ds_expand(c, checks);
  int bad = 0;
  for (char *line = strtok(all, "\n"); line; line = strtok(NULL, "\n")) {
    char *sp = strchr(line, ' '), *sp2 = sp ? strchr(sp + 1, ' ') : NULL;
    if (!sp || !sp2) continue;
    *sp = 0;
    *sp2 = 0;
    char *slash = strchr(line, '/');
    *slash = 0;
    json_t *doc = get(ctx, line, slash + 1);
    json_t *want = json_loads(sp2 + 1, JSON_DECODE_ANY, NULL);
    const json_t *have = doc ? ds_pointer(doc, sp + 1) : NULL;
    if (!have || !want || !json_equal(have, want)) {
      char *h = have ? json_dumps(have, JSON_ENCODE_ANY) : NULL;
      fprintf(stderr, "step %zu: %s/%s %s = %s, want %s\n", step, line, slash + 1, sp + 1, h ? h : "(none)", sp2 + 1);
      free(h);
      bad++;
    }
    json_decref(doc);
    json_decref(want);
  }
  free(all);
  return bad;
}

