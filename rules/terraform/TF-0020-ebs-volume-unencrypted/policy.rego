# METADATA
# id: TF-0020
# name: ebs-volume-unencrypted
# title: EBS volume is not encrypted
# severity: high
# since: "0.1.0"
# stride: [information-disclosure]
# applies_to:
#   platform: terraform
#   kinds: ["aws_ebs_volume", "aws_instance", "aws_launch_template"]
# what: >-
#   Finds EBS volumes created without encryption: an `aws_ebs_volume`, or an `ebs_block_device`
#   of an `aws_instance`, that is not created from a snapshot, names no `kms_key_id` and has
#   `encrypted` false or left out (the provider default is false); and any `root_block_device`
#   of an instance or `block_device_mappings` entry of a launch template with an explicit
#   `encrypted = false`. Root volumes and launch template mappings that leave `encrypted` out are
#   not reported, because they may inherit encryption from the AMI's snapshot. Account-level
#   default encryption (`aws_ebs_encryption_by_default`) is not taken into account: if it is on
#   in every region you deploy to, volumes without `encrypted` are encrypted anyway.
# why: >-
#   An unencrypted volume, and every snapshot taken from it, exposes its data to anyone who can
#   copy or share the snapshot or read the underlying storage. Encryption cannot be added to an
#   existing volume; it takes a snapshot copy and a new volume.
# fix: >-
#   Set `encrypted = true` (optionally with `kms_key_id`) on every volume and block device
#   mapping, and turn on `aws_ebs_encryption_by_default` in each region as a backstop.
# references:
#   - https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption.html
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/ebs_volume#encrypted
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/instance#ebs-ephemeral-and-root-block-devices
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/launch_template#ebs
# control: "seed 001 Information disclosure: information is encrypted at rest"
# controls: ["encrypted at rest", "encryption at rest"]
package stridegate.rules.tf_0020

import data.stridegate.lib.terraform as tf
import rego.v1

# launch templates take the string "false" as well as the boolean.
off(v) if v == false

off(v) if v == "false"

is_set(obj, name) if {
	v := obj[name]
	v != null
	v != ""
}

# A brand-new, empty volume: its encryption comes only from `encrypted` (or the account default).
new_volume(obj) if {
	not is_set(obj, "snapshot_id")
	not is_set(obj, "kms_key_id")
}

# aws_ebs_volume: it requires `availability_zone`; an aws_instance may have one too, but also has
# an AMI, an instance type or a launch template.
ebs_volume if {
	input.availability_zone
	not input.ami
	not input.instance_type
	not input.launch_template
}

deny contains {"msg": "volume is not encrypted (encrypted = false)", "path": ["encrypted"]} if {
	ebs_volume
	off(input.encrypted)
	not is_set(input, "snapshot_id")
}

deny contains {"msg": "volume is not encrypted (encrypted is not set and defaults to false)", "path": ["encrypted"]} if {
	ebs_volume
	object.get(input, "encrypted", null) == null
	new_volume(input)
}

# aws_instance
deny contains {"msg": "root volume is not encrypted (encrypted = false)", "path": ["root_block_device", i, "encrypted"]} if {
	some [i, dev] in tf.blocks(input, "root_block_device")
	off(dev.encrypted)
}

deny contains {"msg": msg, "path": ["ebs_block_device", i, "encrypted"]} if {
	some [i, dev] in tf.blocks(input, "ebs_block_device")
	off(dev.encrypted)
	not is_set(dev, "snapshot_id")
	msg := sprintf("block device %s is not encrypted (encrypted = false)", [device_name(dev)])
}

deny contains {"msg": msg, "path": ["ebs_block_device", i, "encrypted"]} if {
	some [i, dev] in tf.blocks(input, "ebs_block_device")
	object.get(dev, "encrypted", null) == null
	new_volume(dev)
	msg := sprintf("block device %s is not encrypted (encrypted is not set and defaults to false)", [device_name(dev)])
}

# aws_launch_template
deny contains {"msg": msg, "path": ["block_device_mappings", i, "ebs", j, "encrypted"]} if {
	some [i, mapping] in tf.blocks(input, "block_device_mappings")
	some [j, ebs] in tf.blocks(mapping, "ebs")
	off(ebs.encrypted)
	msg := sprintf("launch template volume %s is not encrypted (encrypted = %s)", [device_name(mapping), json.marshal(ebs.encrypted)])
}

device_name(dev) := sprintf("%q", [dev.device_name]) if is_string(dev.device_name)
else := "(unnamed)"
