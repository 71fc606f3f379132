# Associations keyed by the same map as the subnets, and a splat in the subnet group.
variable "data_subnets" {
  default = {
    a = "10.0.40.0/24"
    b = "10.0.41.0/24"
  }
}

resource "aws_subnet" "store" {
  for_each   = var.data_subnets
  vpc_id     = aws_vpc.main.id
  cidr_block = each.value
}

resource "aws_elasticache_subnet_group" "cache" {
  name       = "cache"
  subnet_ids = values(aws_subnet.store)[*].id
}

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.main.id
}

resource "aws_route" "egress" {
  route_table_id         = aws_route_table.private.id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.nat.id # expect: TF-0026
}

resource "aws_route_table_association" "store" {
  for_each       = var.data_subnets
  subnet_id      = aws_subnet.store[each.key].id
  route_table_id = aws_route_table.private.id
}
